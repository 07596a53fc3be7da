"""Seeded 360 scenarios over the API, with every figure of the final report worked out again here from the rules
of getAppraisalReport (openapi.yaml), the rubric and the frameworks, without the service's scoring code:

- 25 raters on mlcf-360 where two small anonymous groups (2 direct reports and 1 other colleague) are pooled
  as `other_colleagues` and shown, with N/A answers, varied marks, item and general comments, and a
  replaced response;
- 11 raters where a single small group (2 direct reports) is withheld: it counts in no figure and no comment,
  only in validity's head count.

A shown anonymous group's ratings of one item count only from k raters who gave one (the N/A answers make
such cells), and sd and r_wg only from k_dispersion ratings.
"""

from __future__ import annotations

import random
import statistics
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.api import Api

ROOT = Path(__file__).resolve().parents[2]


def _yaml(path: str) -> Any:
    return yaml.safe_load((ROOT / path).read_text())


RUBRIC = _yaml("rubrics/mlcf-360.yaml")
MLCF = _yaml("rubrics/frameworks/mlcf.yaml")
HLM = _yaml("rubrics/frameworks/hlm.yaml")
ACTIVITIES = _yaml("rubrics/development/mlcf.yaml")["elements"]

ITEMS: list[dict[str, str]] = RUBRIC["items"]
ITEM_IDS = [i["id"] for i in ITEMS]
GROUPS: dict[str, dict[str, Any]] = {g["id"]: g for g in RUBRIC["rater_groups"]}  # in the rubric's order
ANONYMOUS = {g: spec.get("anonymous", g != "self") for g, spec in GROUPS.items()}
MINIMUM = {g: spec.get("min", 0) for g, spec in GROUPS.items()}
K, K_COMMENTS, MIN_RATERS = RUBRIC["k"], RUBRIC["k_comments"], RUBRIC["min_raters"]
K_DISPERSION = RUBRIC.get("k_dispersion", 5)
THRESHOLD, GOOD_CUT = Fraction(str(RUBRIC["gap_threshold"])), Fraction(str(RUBRIC["good_cut"]))
POINTS = RUBRIC["scale"]["max"] - RUBRIC["scale"]["min"] + 1
ELEMENTS = {e["id"]: {**e, "domain_id": d["id"]} for d in MLCF["domains"] for e in d["elements"]}  # framework order
POOL = "other_colleagues"


@dataclass(frozen=True)
class Rater:
    ref: str
    group: str
    answers: dict[str, int | None]
    comments: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        return {"group": self.group, "answers": self.answers, "comments": self.comments}


# -- the rules, written out plainly ------------------------------------------------------------------

@dataclass(frozen=True)
class Counted:
    """Who is counted: self, each shown non-self group with its raters, the pool formed, the groups withheld."""

    own: list[Rater]
    shown: dict[str, list[Rater]]
    pooled: list[str]
    pool_shown: bool
    withheld: list[str]

    @property
    def others(self) -> list[Rater]:
        return [r for raters in self.shown.values() for r in raters]

    def shown_group(self, group: str) -> str:
        return POOL if group in self.pooled else group


def counted(raters: list[Rater]) -> Counted:
    counts = Counter(r.group for r in raters)
    shown: dict[str, list[Rater]] = {}
    small: list[str] = []
    for group in GROUPS:
        if group == "self" or not counts[group]:
            continue
        if not ANONYMOUS[group] or counts[group] >= K:
            shown[group] = [r for r in raters if r.group == group]
        else:
            small.append(group)
    pooled = small if len(small) >= 2 else []
    pool_shown = bool(pooled) and sum(counts[g] for g in pooled) >= K
    if pool_shown:
        shown[POOL] = [r for r in raters if r.group in pooled]
    return Counted([r for r in raters if r.group == "self"], shown, pooled, pool_shown,
                   [] if pool_shown else small)


WITHHELD = {"mean": None, "n": None, "sd": None, "n_na": None, "withheld": "fewer_than_k"}


def raters_of(who: Counted, group: str) -> list[Rater]:
    return who.own if group == "self" else who.shown[group]


def counts_in_figures(who: Counted, group: str, item_id: str) -> bool:
    """A shown anonymous group's ratings of an item count only when at least k of its raters gave one."""
    anonymous = group == POOL or (group != "self" and ANONYMOUS[group])
    return not anonymous or sum(r.answers[item_id] is not None for r in raters_of(who, group)) >= K


def figure(who: Counted, groups: list[str], item_ids: list[str]) -> dict[str, Any] | None:
    if not any(raters_of(who, g) for g in groups):
        return None
    cells = [(g, i) for g in groups for i in item_ids if counts_in_figures(who, g, i)]
    if not cells:
        return WITHHELD
    marks = [r.answers[i] for g, i in cells for r in raters_of(who, g)]
    rated = [m for m in marks if m is not None]
    return {"mean": statistics.mean(Fraction(m) for m in rated) if rated else None, "n": len(rated),
            "sd": statistics.stdev(rated) if len(rated) >= K_DISPERSION else None, "n_na": marks.count(None)}


def gap_flag(own: dict[str, Any] | None, others: dict[str, Any] | None) -> tuple[Fraction | None, str | None]:
    """self − others and its flag; nothing when either is missing or withheld."""
    if own is None or others is None or own["mean"] is None or others["mean"] is None:
        return None, None
    gap = own["mean"] - others["mean"]
    return gap, "blind_spot" if gap >= THRESHOLD else "hidden_strength" if gap <= -THRESHOLD else None


def scores(who: Counted, item_ids: list[str]) -> dict[str, Any]:
    own, others = figure(who, ["self"], item_ids), figure(who, list(who.shown), item_ids)
    gap, flag = gap_flag(own, others)
    return {"self": own, "others": others, "groups": {g: figure(who, [g], item_ids) for g in who.shown},
            "gap": gap, "flag": flag}


def rwg(who: Counted, item_id: str) -> Fraction | None:
    rated = [Fraction(r.answers[item_id]) for g in who.shown if counts_in_figures(who, g, item_id)
             for r in who.shown[g] if r.answers[item_id] is not None]
    if len(rated) < K_DISPERSION:
        return None
    return max(Fraction(0), 1 - statistics.variance(rated) / Fraction(POINTS * POINTS - 1, 12))


def items_of(element_ids: list[str]) -> list[str]:
    return [i["id"] for i in ITEMS if i["element"] in element_ids]


def element_key(element_id: str) -> tuple[int, ...]:
    return tuple(int(p) for p in element_id.split("."))


def expected_report(raters: list[Rater]) -> dict[str, Any]:
    """Every figure of the report of these responses, from the rules (texts and the comments' order aside)."""
    who = counted(raters)
    counts = Counter(r.group for r in raters)
    rated_elements = [e for e in ELEMENTS if items_of([e])]
    elements = [{"id": e, "name": ELEMENTS[e]["name"], "domain_id": ELEMENTS[e]["domain_id"],
                 **scores(who, items_of([e]))} for e in rated_elements]
    domains = [{"id": d["id"], "name": d["name"],
                **scores(who, items_of([e["id"] for e in d["elements"]]))} for d in MLCF["domains"]]
    overall = scores(who, ITEM_IDS)
    lowest = sorted((e for e in elements if e["others"] and e["others"]["mean"] is not None),
                    key=lambda e: (e["others"]["mean"], element_key(e["id"])))[:3]
    hlm = []
    for dimension in HLM["domains"]:
        mapped = [e for e in rated_elements if dimension["id"] in HLM["crosswalk"].get(e, [])]
        if mapped:
            hlm.append({"id": dimension["id"], "name": dimension["name"], "elements": mapped,
                        **scores(who, items_of(mapped))})
    non_self = sum(c for g, c in counts.items() if g != "self")
    reasons = [("too_few_raters", None)] if non_self < MIN_RATERS else []
    reasons += [("group_below_minimum", g) for g in GROUPS if counts[g] < MINIMUM[g]]
    # Counts only where they are no secret: a group shown, or with no response; a smaller group's reason instead.
    raters_json: dict[str, Any] = {}
    for g in GROUPS:
        if not counts[g]:
            raters_json[g] = {"count": 0, "shown": False, "label": GROUPS[g]["label"]}
        elif g == "self" or g in who.shown:
            raters_json[g] = {"count": counts[g], "shown": True, "label": GROUPS[g]["label"]}
        else:
            raters_json[g] = {"shown": False, "label": GROUPS[g]["label"],
                              "reason": "pooled" if who.pool_shown and g in who.pooled else "fewer_than_k"}
    if who.pooled:
        raters_json[POOL] = ({"count": sum(counts[g] for g in who.pooled), "shown": True} if who.pool_shown
                             else {"shown": False, "reason": "fewer_than_k"}) | {"groups": who.pooled}
    raters_json["withheld"] = {"groups": who.withheld}
    comments = [] if len(who.others) < K_COMMENTS else [
        {"text": text, "group": who.shown_group(r.group), "item_id": None if key == "general" else key}
        for r in who.own + who.others for key, text in r.comments.items()]
    return {
        "raters": raters_json,
        "overall": overall,
        "domains": domains,
        "elements": elements,
        "items": [{"id": i["id"], "text": i["text"], "element_id": i["element"], **scores(who, [i["id"]]),
                   "rwg": rwg(who, i["id"])} for i in ITEMS],
        "agreement": None if overall["gap"] is None else
        "over_estimator" if overall["gap"] >= THRESHOLD else
        "under_estimator" if overall["gap"] <= -THRESHOLD else
        "in_agreement_good" if overall["others"]["mean"] >= GOOD_CUT else "in_agreement_poor",
        "validity": {"valid": not reasons, "reasons": sorted(reasons, key=str)},
        "comments": sorted(comments, key=comment_key),
        "priorities": [{"element_id": e["id"], "name": e["name"], "others": e["others"],
                        "definition": ELEMENTS[e["id"]]["definition"], "activities": ACTIVITIES.get(e["id"], [])}
                       for e in lowest],
        "hlm": hlm,
    }


def comment_key(comment: dict[str, Any]) -> tuple[str, str, str]:
    return comment["item_id"] or "", comment["group"], comment["text"]


def approximately(value: Any) -> Any:
    """The expected value with every non-integer number compared at rel=1e-12."""
    if isinstance(value, Fraction | float):
        return pytest.approx(float(value), rel=1e-12)
    if isinstance(value, dict):
        return {k: approximately(v) for k, v in value.items()}
    if isinstance(value, list):
        return [approximately(v) for v in value]
    return value


def assert_report_follows_the_rules(report: dict[str, Any], raters: list[Rater]) -> dict[str, Any]:
    want = expected_report(raters)
    # Texts aside (the pool's label, the withheld reason), the raters block is exactly the rules' one.
    assert {g: {k: v for k, v in e.items() if (g, k) not in ((POOL, "label"), ("withheld", "reason"))}
            for g, e in report["raters"].items()} == want["raters"]
    if POOL in report["raters"]:
        assert report["raters"][POOL]["label"]
    assert report["overall"] == approximately(want["overall"])
    for section in ("domains", "elements", "items", "hlm"):
        assert [e["id"] for e in report[section]] == [e["id"] for e in want[section]], section
        for got, expected in zip(report[section], want[section], strict=True):
            assert got == approximately(expected), (section, got["id"])
    assert report["agreement"] == want["agreement"]
    assert report["validity"]["valid"] is want["validity"]["valid"]
    assert sorted(((r["code"], r.get("group")) for r in report["validity"]["reasons"]), key=str) == \
        want["validity"]["reasons"]
    assert all(r["detail"] for r in report["validity"]["reasons"])
    assert sorted(report["comments"], key=comment_key) == want["comments"]
    assert report["priorities"] == approximately(want["priorities"])
    return want


# -- the scenarios ------------------------------------------------------------------------------------

def rater_marks(rng: random.Random) -> dict[str, int | None]:
    """A rater centred on a level of their own, about one answer in ten "unable to comment"."""
    level = rng.choice([2, 3, 4, 5])
    return {i: None if rng.random() < 0.1 else max(1, min(5, level + rng.choice([-2, -1, 0, 0, 1])))
            for i in ITEM_IDS}


# Items given fixed answers, so that the edge cases of the rules are certain to be met.
BOTH_SUPERVISORS_NA, ONE_SUPERVISOR_NA, SELF_NA, SPLIT, ALL_FOUR_SELF_2, GAP_PLUS_1, GAP_MINUS_1, ALL_NA = \
    ITEM_IDS[:8]
POOLED_GROUPS = ["self", *["supervisor"] * 2, *["peer"] * 19, *["direct_report"] * 2, "other"]


def pooled_scenario() -> list[Rater]:
    """25 raters: self, 2 named supervisors, 19 peers, and 2 direct reports + 1 other colleague (each below k,
    pooled to 3 = k), with comments from every group."""
    rng = random.Random(20260301)
    raters = []
    for n, group in enumerate(POOLED_GROUPS):
        answers = rater_marks(rng)
        non_self = n - 1  # the position among the 24 non-self raters
        if group == "self":
            answers.update({SELF_NA: None, SPLIT: 5, ALL_FOUR_SELF_2: 2, GAP_PLUS_1: 5, GAP_MINUS_1: 3, ALL_NA: 4})
        else:
            answers.update({SPLIT: 1 if non_self % 2 else 5, ALL_FOUR_SELF_2: 4, GAP_PLUS_1: 4, GAP_MINUS_1: 4,
                            ALL_NA: None})
        if group == "supervisor":
            answers.update({BOTH_SUPERVISORS_NA: None, ONE_SUPERVISOR_NA: None if n == 1 else 3})
        comments: dict[str, str] = {}
        if n % 3 != 1 or group in ("self", "direct_report", "other"):
            comments["general"] = f"General remark {n} from a {group.replace('_', ' ')}."
        if n % 2 == 0 or group in ("self", "supervisor", "other"):
            comments[rng.choice(ITEM_IDS)] = f"On this question ({n}): {rng.choice(['clear', 'kind', 'slow'])}."
        raters.append(Rater(f"RATER-P{n:02d}", group, answers, comments))
    return raters


WITHHELD_GROUPS = ["self", "supervisor", *["peer"] * 4, *["direct_report"] * 2, *["other"] * 3]
LOW_ELEMENTS = ("2.4", "3.2")


def withheld_scenario() -> list[Rater]:
    """11 raters: every counted colleague answers 2 on the items of elements 2.4 and 3.2 and 4 on the rest (or
    N/A); the 2 direct reports, the only small anonymous group, answer 1 everywhere and comment."""
    rng = random.Random(42)
    raters = []
    for n, group in enumerate(WITHHELD_GROUPS):
        if group == "self":
            answers: dict[str, int | None] = dict.fromkeys(ITEM_IDS, 3)
        elif group == "direct_report":
            answers = dict.fromkeys(ITEM_IDS, 1)
        else:
            answers = {i["id"]: None if rng.random() < 0.1 else 2 if i["element"] in LOW_ELEMENTS else 4
                       for i in ITEMS}
        comment = "Withheld remark" if group == "direct_report" else f"Remark {n}"
        comments = {"general": comment} if n % 2 else {ITEM_IDS[n]: comment}
        raters.append(Rater(f"RATER-W{n:02d}", group, answers, comments))
    return raters


async def run_appraisal(api: Api, raters: list[Rater], submission_seed: int,
                        replaced: Rater | None = None) -> tuple[dict[str, Any], list[Rater]]:
    """Open an appraisal, PUT every response in a seeded order (after `replaced`, an earlier response of
    one rater that the later one replaces), close it; the final report and the submission order."""
    opened = await api.post("/v1/appraisals", {"subject_ref": "GMC-7000001", "rubric_id": "mlcf-360",
                                               "cycle": "2026-27"})
    assert opened.status == 201, opened.text
    base = f"/v1/appraisals/{opened.json['id']}"
    order = list(raters)
    random.Random(submission_seed).shuffle(order)
    if replaced is not None:
        first = await api.put(f"{base}/responses/{replaced.ref}", replaced.body())
        assert (first.status, first.json["replaced"]) == (201, False), first.text
    for r in order:
        reply = await api.put(f"{base}/responses/{r.ref}", r.body())
        again = replaced is not None and r.ref == replaced.ref
        assert reply.status == (200 if again else 201), reply.text
        assert {k: reply.json[k] for k in ("appraisal_id", "group", "answers", "comments", "replaced")} == {
            "appraisal_id": opened.json["id"], **r.body(), "replaced": again}
        assert r.ref not in reply.text
    closed = await api.post(f"{base}/close")
    assert (closed.status, closed.json["status"]) == (200, "closed"), closed.text
    report = await api.get(f"{base}/report")
    assert report.status == 200
    assert all(r.ref not in report.text for r in raters)
    rubric = (await api.get("/v1/rubrics/mlcf-360")).json
    assert {k: report.json[k] for k in ("appraisal_id", "subject_ref", "cycle", "status", "rubric", "scale")} == {
        "appraisal_id": opened.json["id"], "subject_ref": "GMC-7000001", "cycle": "2026-27", "status": "final",
        "rubric": {"id": "mlcf-360", "version": rubric["version"], "hash": rubric["hash"]},
        "scale": {"min": 1, "max": 5, "labels": RUBRIC["scale"]["labels"], "allow_na": True,
                  "na_label": RUBRIC["scale"]["na_label"]}}
    return report.json, order


async def test_25_raters_with_two_small_groups_pooled_every_figure_follows_the_rules(api: Api) -> None:
    raters = pooled_scenario()
    na = sum(v is None for r in raters for v in r.answers.values())
    assert len(raters) == 25 and 0.08 < na / (25 * 50) < 0.15
    earlier = Rater(raters[5].ref, "other", dict.fromkeys(ITEM_IDS, 1), {"general": "First thoughts, replaced"})
    report, order = await run_appraisal(api, raters, submission_seed=9, replaced=earlier)
    want = assert_report_follows_the_rules(report, raters)

    # Who is counted: the 2 direct reports and 1 other colleague are pooled and shown as other colleagues.
    # Their own counts (below k) are never given; the pool's (k or more) is.
    assert report["raters"]["direct_report"] == {"shown": False, "reason": "pooled",
                                                 "label": "People they supervise or manage"}
    assert report["raters"]["other"] == {"shown": False, "reason": "pooled", "label": "Other colleagues"}
    pool = report["raters"][POOL]
    assert {k: pool[k] for k in ("count", "shown", "groups")} == {"count": 3, "shown": True,
                                                                  "groups": ["direct_report", "other"]}
    assert report["raters"]["withheld"] == {"groups": [], "reason": None}
    assert set(report["overall"]["groups"]) == {"supervisor", "peer", POOL}
    # Where one of the pool's three was unable to comment, its two ratings would be its figure: withheld, and
    # in no other figure either (others there are the supervisors and peers alone).
    thin = [i for i in report["items"] if i["groups"][POOL].get("withheld")]
    assert thin and all(i["groups"][POOL] == WITHHELD for i in thin)
    assert all(i["others"]["n"] + i["others"]["n_na"] == 21 for i in thin if i["id"] != ALL_NA)

    # The edge cases planted in the answers.
    items = {i["id"]: i for i in report["items"]}
    assert items[BOTH_SUPERVISORS_NA]["groups"]["supervisor"] == {"mean": None, "n": 0, "sd": None, "n_na": 2}
    assert items[ONE_SUPERVISOR_NA]["groups"]["supervisor"] == {"mean": 3, "n": 1, "sd": None, "n_na": 1}
    assert items[SELF_NA]["self"] == {"mean": None, "n": 0, "sd": None, "n_na": 1}
    assert (items[SELF_NA]["gap"], items[SELF_NA]["flag"]) == (None, None)
    assert items[SPLIT]["others"]["mean"] == 3 and items[SPLIT]["rwg"] == 0  # 12 ones and 12 fives: truncated
    assert (items[SPLIT]["gap"], items[SPLIT]["flag"]) == (2, "blind_spot")
    assert items[ALL_FOUR_SELF_2]["others"] == {"mean": 4, "n": 24, "sd": 0, "n_na": 0}
    assert (items[ALL_FOUR_SELF_2]["rwg"], items[ALL_FOUR_SELF_2]["flag"]) == (1, "hidden_strength")
    assert (items[GAP_PLUS_1]["gap"], items[GAP_PLUS_1]["flag"]) == (1, "blind_spot")
    assert (items[GAP_MINUS_1]["gap"], items[GAP_MINUS_1]["flag"]) == (-1, "hidden_strength")
    # Nobody rated it: no anonymous group's figure can rest on k ratings; others are the supervisors' N/As.
    assert items[ALL_NA]["others"] == {"mean": None, "n": 0, "sd": None, "n_na": 2}
    assert items[ALL_NA]["groups"]["peer"] == WITHHELD
    assert (items[ALL_NA]["rwg"], items[ALL_NA]["gap"], items[ALL_NA]["flag"]) == (None, None, None)
    assert {i["flag"] for i in report["items"]} == {"blind_spot", "hidden_strength", None}

    # Validity: 24 colleagues, but a single other colleague where the rubric asks for 3.
    assert report["validity"]["valid"] is False
    assert [(r["code"], r.get("group")) for r in report["validity"]["reasons"]] == [("group_below_minimum",
                                                                                    "other")]
    # Comments: the pool's are labelled other_colleagues; the replaced response's comment is gone.
    assert {c["group"] for c in report["comments"]} == {"self", "supervisor", "peer", POOL}
    assert "First thoughts, replaced" not in str(report["comments"])
    assert len(report["comments"]) == len(want["comments"]) > 20
    submitted = [{"text": t, "group": counted(raters).shown_group(r.group), "item_id": None if k == "general" else k}
                 for r in order for k, t in r.comments.items()]
    assert report["comments"] != submitted  # shuffled, not in the order the responses came
    again = (await api.get(f"/v1/appraisals/{report['appraisal_id']}/report")).json
    assert again["comments"] == report["comments"]  # the shuffle is seeded: the same order on every read
    assert len(report["priorities"]) == 3 and len(report["hlm"]) == len(HLM["domains"])


async def test_a_single_small_group_is_withheld_and_counts_nowhere_but_in_validity(api: Api) -> None:
    raters = withheld_scenario()
    report, _ = await run_appraisal(api, raters, submission_seed=3)
    want = assert_report_follows_the_rules(report, raters)

    assert report["raters"]["direct_report"] == {"shown": False, "reason": "fewer_than_k",
                                                 "label": "People they supervise or manage"}
    assert POOL not in report["raters"]  # one small group is never pooled: the pool would be that group
    withheld = report["raters"]["withheld"]
    assert withheld["groups"] == ["direct_report"] and "fewer than 3" in withheld["reason"]
    assert "count" not in withheld and "2" not in withheld["reason"]  # never how many
    assert set(report["overall"]["groups"]) == {"supervisor", "peer", "other"}
    # Every counted colleague gave 2 or 4: the direct reports' 1s are in no mean, no sd and no r_wg.
    for item in report["items"]:
        low = item["element_id"] in LOW_ELEMENTS
        assert item["others"]["mean"] == (2 if low else 4), item["id"]
        enough = item["others"]["n"] >= K_DISPERSION
        assert (item["others"]["sd"], item["rwg"]) == ((0, 1) if enough else (None, None)), item["id"]
        assert item["others"]["n"] + item["others"]["n_na"] <= 8
    assert [p["element_id"] for p in report["priorities"]] == ["2.4", "3.2", "1.1"]  # ties by element id
    assert report["agreement"] == "in_agreement_poor"
    # The figures are those of the same appraisal without the direct reports at all.
    without = expected_report([r for r in raters if r.group != "direct_report"])
    for section in ("overall", "domains", "elements", "items", "priorities", "hlm", "agreement"):
        assert want[section] == without[section], section
    assert "Withheld remark" not in str(report["comments"])
    assert len(report["comments"]) == 9
    # Validity still counts them: 10 colleagues reach min_raters only with the 2 withheld.
    assert report["validity"] == {"valid": True, "reasons": []}
