"""Seeded engagement survey scenarios over the API, with every figure of both breakdowns worked out again here
from the rules of getSurveyReport (openapi.yaml) and the rubric, without the service's scoring code:

- 200 respondents in 6 units and 4 staff groups on engagement-survey, with items left unanswered on both sides
  of the half-answered rule; one unit is too small, and of the two next smallest (a tie on head count) the
  first by key is suppressed with it; every figure of the JSON report by unit and by staff group, and of the
  CSV, equals the one computed here;
- 40 respondents where only 4 are managers: managers are suppressed (and, being the only small staff group,
  the next smallest too), so there is no alignment in either breakdown.
"""

from __future__ import annotations

import csv
import io
import random
import statistics
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

from tests.support.api import Api

RUBRIC = yaml.safe_load((Path(__file__).resolve().parents[2] / "rubrics/engagement-survey.yaml").read_text())
ITEMS: list[dict[str, Any]] = RUBRIC["items"]
LOW, HIGH = RUBRIC["scale"]["min"], RUBRIC["scale"]["max"]
MIN_SIZE = RUBRIC["min_unit_size"]
SUBSCALES = [s["id"] for s in RUBRIC["subscales"]]
METASCALES = {m["id"]: [s["id"] for s in RUBRIC["subscales"] if s["metascale"] == m["id"]]
              for m in RUBRIC["metascales"]}
BANDS = [(Fraction(str(b["min"])), b["label"]) for b in RUBRIC["bands"]]
# Arrival order is not key order: the tie between Neurology and Medicine (18 each) goes to Medicine by key.
UNITS = {"Cardiology": 50, "Neurology": 18, "Anaesthetics": 60, "Medicine": 18, "Emergency": 50, "Zoology": 4}
STAFF = {"doctor": 120, "manager": 40, "nurse": 30, "allied_health": 10}


@dataclass(frozen=True)
class Person:
    ref: str
    unit: str
    staff_group: str
    answers: dict[str, int]  # an item left out is unanswered

    def body(self) -> dict[str, Any]:
        return {"unit": self.unit, "staff_group": self.staff_group, "answers": self.answers}


def people(units: dict[str, int], staff: dict[str, int], seed: int) -> list[Person]:
    """Respondents answering around a level of their own; each skips items at a rate of their own (some none,
    some most), so sub-scales land on both sides of the half-answered rule."""
    rng = random.Random(seed)
    groups = [g for g, n in staff.items() for _ in range(n)]
    rng.shuffle(groups)
    units_of = [u for u, n in units.items() for _ in range(n)]
    out = []
    for n, (unit, group) in enumerate(zip(units_of, groups, strict=True)):
        level, skip = rng.randint(LOW, HIGH), rng.choice((0, 0, 0.2, 0.45, 0.7))
        answers = {}
        for item in ITEMS:
            if rng.random() >= skip:
                mark = min(HIGH, max(LOW, level + rng.choice((-1, 0, 0, 1))))
                answers[item["id"]] = LOW + HIGH - mark if item.get("reverse") else mark
        out.append(Person(f"resp-{seed}-{n:03d}", unit, group, answers))
    return out


# -- the rules, written out plainly ------------------------------------------------------------------

def recoded(p: Person) -> dict[str, int]:
    """Reverse-keyed items first: x becomes min + max − x."""
    return {i["id"]: LOW + HIGH - p.answers[i["id"]] if i.get("reverse") else p.answers[i["id"]]
            for i in ITEMS if i["id"] in p.answers}


def own_scores(p: Person) -> dict[str, Fraction | None]:
    """One respondent's sub-scale scores (≥ half of its items answered), meta-scales and index."""
    answers, out = recoded(p), {}
    for s in SUBSCALES:
        items = [i["id"] for i in ITEMS if i["subscale"] == s]
        given = [Fraction(answers[i]) for i in items if i in answers]
        out[s] = statistics.mean(given) if given and 2 * len(given) >= len(items) else None
    for m, subs in METASCALES.items():
        have = [out[s] for s in subs if out[s] is not None]
        out[m] = statistics.mean(have) if have else None
    metas = [out[m] for m in METASCALES if out[m] is not None]
    out["index"] = statistics.mean(metas) if metas else None
    return out


def to_100(mean: Fraction) -> Fraction:
    return 100 * (mean - LOW) / (HIGH - LOW)


def band(score: Fraction) -> str:
    return [label for bound, label in BANDS if score >= bound][-1]


def figure(members: list[Person], measure: str) -> dict[str, Any]:
    have = [s for s in (own_scores(p)[measure] for p in members) if s is not None]
    if not have:
        return {"mean": None, "score_100": None, "band": None, "n": 0}
    mean = statistics.mean(have)
    return {"mean": float(mean), "score_100": float(to_100(mean)), "band": band(to_100(mean)), "n": len(have)}


def entry(members: list[Person], shown: bool) -> dict[str, Any]:
    if not shown:
        return {"respondents": len(members), "shown": False}
    return {"respondents": len(members), "shown": True, "index": figure(members, "index"),
            "metascales": {m: figure(members, m) for m in METASCALES},
            "subscales": {s: figure(members, s) for s in SUBSCALES}}


def shown_groups(counts: Counter[str]) -> set[str]:
    """Fewer than min_unit_size hides a group; when exactly one is hidden, so is the next smallest (the first by
    key among equals)."""
    hidden = {g for g, n in counts.items() if n < MIN_SIZE}
    if len(hidden) == 1:
        hidden.add(min((n, g) for g, n in counts.items() if g not in hidden)[1])
    return set(counts) - hidden


def alpha(everyone: list[Person], subscale: str) -> float | None:
    """Cronbach's alpha over those who answered every item of the sub-scale, from sample variances."""
    items = [i["id"] for i in ITEMS if i["subscale"] == subscale]
    rows = [[Fraction(recoded(p)[i]) for i in items] for p in everyone if all(i in p.answers for i in items)]
    if len(rows) < 2:
        return None
    total = statistics.variance([sum(r) for r in rows])
    if total == 0:
        return None
    k = len(items)
    return float(Fraction(k, k - 1) * (1 - sum(statistics.variance(col) for col in zip(*rows, strict=True)) / total))


def expected_report(everyone: list[Person], by: str) -> dict[str, Any]:
    key = (lambda p: p.unit) if by == "unit" else (lambda p: p.staff_group)
    counts = Counter(key(p) for p in everyone)
    shown = shown_groups(counts)
    staff_shown = shown_groups(Counter(p.staff_group for p in everyone))
    alignment = None
    if {"doctor", "manager"} <= staff_shown:
        d, m = ([p for p in everyone if p.staff_group == g] for g in ("doctor", "manager"))
        dm = statistics.mean(s for s in (own_scores(p)["index"] for p in d) if s is not None)
        mm = statistics.mean(s for s in (own_scores(p)["index"] for p in m) if s is not None)
        alignment = {"doctor": figure(d, "index"), "manager": figure(m, "index"), "difference": float(dm - mm),
                     "difference_100": float(to_100(dm) - to_100(mm))}
    return {"by": by, "min_unit_size": MIN_SIZE, "overall": entry(everyone, True),
            "groups": [{"key": g, **entry([p for p in everyone if key(p) == g], g in shown)} for g in sorted(counts)],
            "alignment": alignment, "alpha": {s: alpha(everyone, s) for s in SUBSCALES}}


def expected_csv(report: dict[str, Any]) -> list[tuple[str, ...]]:
    """(level, group, respondents, measure, measure_id, mean, score_100, band, n) per figure of each shown entry."""
    rows = []
    for level, name, e in [("organisation", "", report["overall"])] + [
            (report["by"], g["key"], g) for g in report["groups"]]:
        if not e["shown"]:
            continue
        measures = [("index", "", e["index"])] + [("metascale", m, e["metascales"][m]) for m in METASCALES] + [
            ("subscale", s, e["subscales"][s]) for s in SUBSCALES]
        for measure, ident, f in measures:
            rows.append((level, name, str(e["respondents"]), measure, ident,
                         *("" if f[k] is None else str(f[k]) for k in ("mean", "score_100", "band", "n"))))
    return rows


async def survey_of(api: Api, reference: str, everyone: list[Person]) -> str:
    survey = (await api.post("/v1/surveys", {"reference": reference, "title": reference,
                                             "rubric_id": "engagement-survey"})).json
    for p in everyone:
        reply = await api.put(f"/v1/surveys/{survey['id']}/responses/{p.ref}", p.body())
        assert reply.status in (200, 201), reply.text
    assert (await api.post(f"/v1/surveys/{survey['id']}/close", {})).status == 200
    return survey["id"]


async def test_200_respondents_every_figure_of_both_breakdowns_and_the_csv_follows_the_rules(api: Api) -> None:
    everyone = people(UNITS, STAFF, seed=2026)
    survey_id = await survey_of(api, "MES-SCENARIO", everyone)
    # the seed covers the rule on both sides of its boundary: every sub-scale has 5 items, so 3 answered
    # (the fewest at or above half) gives a score and 2 (the most below half) does not
    answered = Counter(sum(i["id"] in p.answers for i in ITEMS if i["subscale"] == s)
                       for p in everyone for s in SUBSCALES)
    assert {sum(i["subscale"] == s for i in ITEMS) for s in SUBSCALES} == {5}
    assert answered[3] > 0 and answered[2] > 0
    for by in ("unit", "staff_group"):
        reply = await api.get(f"/v1/surveys/{survey_id}/report", by=by)
        assert reply.status == 200, reply.text
        got, want = reply.json, expected_report(everyone, by)
        assert {k: got[k] for k in want} == want, by
        assert got["status"] == "final"
        text = (await api.get(f"/v1/surveys/{survey_id}/report.csv", by=by)).text
        rows = [tuple(v for k, v in r.items() if k != "measure_name") for r in csv.DictReader(io.StringIO(text))]
        assert rows == expected_csv(want), by
    by_unit = expected_report(everyone, "unit")
    assert [g["key"] for g in by_unit["groups"] if not g["shown"]] == ["Medicine", "Zoology"]
    assert by_unit["alignment"] is not None and all(a is not None for a in by_unit["alpha"].values())


async def test_too_few_managers_leaves_no_alignment_in_either_breakdown(api: Api) -> None:
    everyone = people({"Cardiology": 20, "Surgery": 20}, {"doctor": 26, "manager": 4, "nurse": 10}, seed=7)
    survey_id = await survey_of(api, "MES-FEW-MANAGERS", everyone)
    by_staff = (await api.get(f"/v1/surveys/{survey_id}/report", by="staff_group")).json
    assert [(g["key"], g["shown"]) for g in by_staff["groups"]] == [("doctor", True), ("manager", False),
                                                                   ("nurse", False)]
    assert by_staff["groups"][1] == {"key": "manager", "respondents": 4, "shown": False}
    by_unit = (await api.get(f"/v1/surveys/{survey_id}/report", by="unit")).json
    assert by_staff["alignment"] is None and by_unit["alignment"] is None
    assert {k: by_unit[k] for k in ("overall", "groups")} == {
        k: expected_report(everyone, "unit")[k] for k in ("overall", "groups")}
