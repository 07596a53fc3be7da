"""Seeded engagement survey scenarios over the API, with every figure of both breakdowns worked out again here
from the rules of getSurveyReport (openapi.yaml) and the rubric, without the service's scoring code:

- 200 respondents in 6 units and 4 staff groups on engagement-survey, with items left unanswered on both sides
  of the half-answered rule; one unit is too small, and one more is hidden with it; every figure released in
  the JSON report by unit and by staff group, and in the CSV, equals the one computed here, every figure not
  released says why, and an attacker's brute-force search over both breakdowns (tests/support/disclosure.py)
  finds no combination of released figures resting on fewer than min_unit_size respondents;
- 40 respondents where only 4 are managers: managers are hidden (never with their head count), so there is
  no alignment in either breakdown.
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
from tests.support.disclosure import exposed, released_sets

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


MEASURES = ["index", *(f"metascale:{m}" for m in METASCALES), *(f"subscale:{s}" for s in SUBSCALES)]
FEWER, PROTECTS = "fewer_than_min_unit_size", "protects_another_group"


def figure_in(entry: dict[str, Any], measure: str) -> dict[str, Any]:
    if measure == "index":
        return entry["index"]
    kind, _, ident = measure.partition(":")
    return entry[kind + "s"][ident]


def score_of(p: Person, measure: str) -> Fraction | None:
    return own_scores(p)[measure.partition(":")[2] or measure]


def assert_entry_follows_the_rules(entry: dict[str, Any], members: list[Person]) -> None:
    """A shown entry: its head count, and per measure the figure worked out here or, withheld, nothing but why
    (and `fewer_than_min_unit_size` exactly when 1 … min_unit_size−1 members have the score). A hidden one: its
    reason only, never a count."""
    if not entry["shown"]:
        assert set(entry) - {"key"} == {"shown", "withheld"}
        assert entry["withheld"] == (FEWER if len(members) < MIN_SIZE else PROTECTS)
        return
    assert entry["respondents"] == len(members) >= MIN_SIZE
    for measure in MEASURES:
        got, want = figure_in(entry, measure), figure(members, measure.partition(":")[2] or measure)
        if "withheld" in got:
            assert got == {"mean": None, "score_100": None, "band": None, "n": None,
                           "withheld": FEWER if 0 < want["n"] < MIN_SIZE else PROTECTS}, measure
        else:
            assert not 0 < want["n"] < MIN_SIZE, measure
            assert got == want, measure


def assert_nothing_is_exposed(reports: dict[str, dict[str, Any]], everyone: list[Person]) -> None:
    """No combination of the released figures, of any measure, in both breakdowns, rests on 1 … min_unit_size−1
    respondents: neither the sums (over those who have the score) nor the counts (over everyone)."""
    heads = Counter((p.unit, p.staff_group) for p in everyone)
    for measure in ["respondents", *MEASURES]:
        released = released_sets(reports, heads, measure)
        assert exposed(released, heads, MIN_SIZE) is None, measure
        if measure != "respondents":
            have = Counter((p.unit, p.staff_group) for p in everyone if score_of(p, measure) is not None)
            assert exposed(released, have, MIN_SIZE) is None, measure


def assert_reports_follow_the_rules(reports: dict[str, dict[str, Any]], everyone: list[Person]) -> None:
    for by, report in reports.items():
        key = (lambda p: p.unit) if by == "unit" else (lambda p: p.staff_group)
        assert_entry_follows_the_rules(report["overall"], everyone)
        assert [g["key"] for g in report["groups"]] == sorted({key(p) for p in everyone})
        for g in report["groups"]:
            assert_entry_follows_the_rules(g, [p for p in everyone if key(p) == g["key"]])
        assert report["alpha"] == {s: alpha(everyone, s) for s in SUBSCALES}
        assert report["alignment"] == alignment(everyone, reports["staff_group"])
    assert_nothing_is_exposed(reports, everyone)


def alignment(everyone: list[Person], by_staff: dict[str, Any]) -> dict[str, Any] | None:
    """Doctors against managers, where both index figures are released."""
    staff = {g["key"]: g for g in by_staff["groups"]}
    if not all(g in staff and staff[g]["shown"] and "withheld" not in staff[g]["index"] for g in ("doctor", "manager")):
        return None
    d, m = ([p for p in everyone if p.staff_group == g] for g in ("doctor", "manager"))
    dm = statistics.mean(s for s in (own_scores(p)["index"] for p in d) if s is not None)
    mm = statistics.mean(s for s in (own_scores(p)["index"] for p in m) if s is not None)
    return {"doctor": figure(d, "index"), "manager": figure(m, "index"), "difference": float(dm - mm),
            "difference_100": float(to_100(dm) - to_100(mm))}


def alpha(everyone: list[Person], subscale: str) -> float | None:
    """Cronbach's alpha over those who answered every item of the sub-scale, from sample variances; only from
    min_unit_size such respondents."""
    items = [i["id"] for i in ITEMS if i["subscale"] == subscale]
    rows = [[Fraction(recoded(p)[i]) for i in items] for p in everyone if all(i in p.answers for i in items)]
    if len(rows) < MIN_SIZE:
        return None
    total = statistics.variance([sum(r) for r in rows])
    if total == 0:
        return None
    k = len(items)
    return float(Fraction(k, k - 1) * (1 - sum(statistics.variance(col) for col in zip(*rows, strict=True)) / total))


def expected_csv(report: dict[str, Any]) -> list[tuple[str, ...]]:
    """(level, group, respondents, measure, measure_id, mean, score_100, band, n) per released figure of each
    shown entry."""
    rows = []
    for level, name, e in [("organisation", "", report["overall"])] + [
            (report["by"], g["key"], g) for g in report["groups"]]:
        if not e["shown"]:
            continue
        measures = [("index", "", e["index"])] + [("metascale", m, e["metascales"][m]) for m in METASCALES] + [
            ("subscale", s, e["subscales"][s]) for s in SUBSCALES]
        for measure, ident, f in measures:
            if "withheld" not in f:
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


async def reports_of(api: Api, survey_id: str) -> dict[str, dict[str, Any]]:
    out = {}
    for by in ("unit", "staff_group"):
        reply = await api.get(f"/v1/surveys/{survey_id}/report", by=by)
        assert reply.status == 200, reply.text
        out[by] = reply.json
    return out


async def test_200_respondents_every_figure_of_both_breakdowns_and_the_csv_follows_the_rules(api: Api) -> None:
    everyone = people(UNITS, STAFF, seed=2026)
    survey_id = await survey_of(api, "MES-SCENARIO", everyone)
    # the seed covers the rule on both sides of its boundary: every sub-scale has 5 items, so 3 answered
    # (the fewest at or above half) gives a score and 2 (the most below half) does not
    answered = Counter(sum(i["id"] in p.answers for i in ITEMS if i["subscale"] == s)
                       for p in everyone for s in SUBSCALES)
    assert {sum(i["subscale"] == s for i in ITEMS) for s in SUBSCALES} == {5}
    assert answered[3] > 0 and answered[2] > 0
    reports = await reports_of(api, survey_id)
    assert_reports_follow_the_rules(reports, everyone)
    for by, report in reports.items():
        assert report["status"] == "final"
        text = (await api.get(f"/v1/surveys/{survey_id}/report.csv", by=by)).text
        rows = [tuple(v for k, v in r.items() if k != "measure_name") for r in csv.DictReader(io.StringIO(text))]
        assert rows == expected_csv(report), by
    units = {g["key"]: g for g in reports["unit"]["groups"]}
    # Zoology (4) is too few; the organisation less the other units would be Zoology, so one more unit goes.
    assert units["Zoology"] == {"key": "Zoology", "shown": False, "withheld": FEWER}
    assert [k for k, g in units.items() if g.get("withheld") == PROTECTS] == ["Medicine"]
    assert all(a is not None for a in reports["unit"]["alpha"].values())
    # Most figures stay: the plan hides what it must, not everything.
    released = sum("withheld" not in figure_in(g, m) for r in reports.values() for g in r["groups"] if g["shown"]
                   for m in MEASURES)
    assert released > 0.7 * len(MEASURES) * 8


async def test_too_few_managers_leaves_no_alignment_in_either_breakdown(api: Api) -> None:
    everyone = people({"Cardiology": 20, "Surgery": 20}, {"doctor": 26, "manager": 4, "nurse": 10}, seed=7)
    survey_id = await survey_of(api, "MES-FEW-MANAGERS", everyone)
    reports = await reports_of(api, survey_id)
    staff = {g["key"]: g for g in reports["staff_group"]["groups"]}
    assert staff["manager"] == {"key": "manager", "shown": False, "withheld": FEWER}  # never its head count
    assert reports["staff_group"]["alignment"] is None and reports["unit"]["alignment"] is None
    assert_reports_follow_the_rules(reports, everyone)
