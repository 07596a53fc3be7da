"""The 360 report's rules on small hand-computed cases (pure functions, no database)."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from service.appraisals.domain.figures import Ratings, rwg
from service.appraisals.domain.model import FeedbackRubric, Response, answer_issues
from service.appraisals.domain.report import Appraisal, build_report
from service.disclosure.groups import rater_groups
from service.rubrics.domain.frameworks import Framework
from service.rubrics.domain.model import with_defaults

ROOT = Path(__file__).resolve().parents[2]
MLCF = Framework.from_document(yaml.safe_load((ROOT / "rubrics/frameworks/mlcf.yaml").read_text()))
HLM = Framework.from_document(yaml.safe_load((ROOT / "rubrics/frameworks/hlm.yaml").read_text()))
ACTIVITIES = {"1.1": [{"title": "Reflect", "kind": "reflection", "detail": "d"}]}

# Four items: two on element 1.1, one on 1.2 (domain 1), one on 2.1 (domain 2).
DOC: dict[str, Any] = {
    "id": "tiny-360", "version": 1, "title": "Tiny", "purpose": "appraisal_360", "framework": "mlcf",
    "scale": {"min": 1, "max": 5, "labels": {"1": "Rarely", "5": "Always"}, "allow_na": True},
    "rater_groups": [
        {"id": "self", "label": "Self", "anonymous": False, "max": 1},
        {"id": "supervisor", "label": "Supervisor", "anonymous": False, "min": 1, "max": 2},
        {"id": "peer", "label": "Peers", "anonymous": True, "min": 0},
        {"id": "direct_report", "label": "Direct reports", "anonymous": True},
        {"id": "other", "label": "Others", "anonymous": True, "min": 2},
    ],
    "k": 3, "k_comments": 3, "min_raters": 4, "gap_threshold": 1.0, "good_cut": 4.0,
    "items": [{"id": "a", "text": "Item A", "element": "1.1"}, {"id": "b", "text": "Item B", "element": "1.1"},
              {"id": "c", "text": "Item C", "element": "1.2"}, {"id": "d", "text": "Item D", "element": "2.1"}],
}
RUBRIC = FeedbackRubric.from_document(with_defaults(DOC))


def rater(name: str, group: str, a: int | None, b: int | None = None, c: int | None = None,
          d: int | None = None, /, **comments: str) -> Response:
    marks = [a, b if b is not None else a, c if c is not None else a, d if d is not None else a]
    return Response(name, group, dict(zip("abcd", marks, strict=True)), comments)


def report(responses: list[Response], rubric: FeedbackRubric = RUBRIC) -> dict[str, Any]:
    appraisal = Appraisal("2b1f7c1e-5d7a-4c1e-9a57-0c6c0e1d2f3a", "GMC-1", "2026", {"id": "tiny-360"})
    return build_report(appraisal, rubric, MLCF, responses, activities=ACTIVITIES, hlm=HLM)


def with_rubric(**changes: Any) -> FeedbackRubric:
    doc = copy.deepcopy(DOC)
    doc.update(changes)
    return FeedbackRubric.from_document(with_defaults(doc))


def test_a_small_group_pooled_with_another_reaches_k_as_other_colleagues() -> None:
    # k - 1 = 2 peers and 1 direct report: pooled to 3 = k, shown as other_colleagues.
    out = report([rater("s", "supervisor", 4), rater("p1", "peer", 2), rater("p2", "peer", 3),
                  rater("d1", "direct_report", 4)])
    assert out["raters"]["peer"] == {"shown": False, "label": "Peers", "reason": "pooled"}  # no count below k
    assert out["raters"]["other_colleagues"]["count"] == 3
    assert out["raters"]["other_colleagues"]["shown"] is True
    assert out["raters"]["other_colleagues"]["groups"] == ["peer", "direct_report"]
    assert out["raters"]["withheld"] == {"groups": [], "reason": None}
    overall = out["overall"]
    assert set(overall["groups"]) == {"supervisor", "other_colleagues"}
    assert overall["groups"]["other_colleagues"] == {"mean": 3, "n": 12, "sd": pytest.approx(math.sqrt(8 / 11)),
                                                     "n_na": 0}
    # others pools the supervisor and the pool: (4*4 + 2*4 + 3*4 + 4*4) / 16 = 3.25
    assert overall["others"]["mean"] == 3.25


def test_a_small_group_that_stays_below_k_counts_nowhere() -> None:
    # 2 peers + 0 other small groups: no pool can form; the peers are withheld from every figure.
    out = report([rater("s", "supervisor", 4), rater("p1", "peer", 1), rater("p2", "peer", 1)])
    assert out["raters"]["peer"]["shown"] is False
    assert "other_colleagues" not in out["raters"]
    assert out["raters"]["withheld"]["groups"] == ["peer"]
    assert out["raters"]["peer"] == {"shown": False, "label": "Peers", "reason": "fewer_than_k"}  # never a count
    assert "fewer than 3" in out["raters"]["withheld"]["reason"]
    assert out["overall"]["others"] == {"mean": 4, "n": 4, "sd": None, "n_na": 0}  # sd only from 5 ratings
    assert set(out["overall"]["groups"]) == {"supervisor"}
    # Two small groups whose pool is still below k (1 peer + 1 direct report): formed, not shown, withheld.
    pooled = report([rater("s", "supervisor", 4), rater("p1", "peer", 1), rater("d1", "direct_report", 1)])
    assert pooled["raters"]["other_colleagues"]["shown"] is False
    assert pooled["raters"]["withheld"]["groups"] == ["peer", "direct_report"]
    assert "count" not in pooled["raters"]["other_colleagues"]
    assert pooled["overall"]["others"]["mean"] == 4


def test_a_group_of_exactly_k_is_shown_and_k_minus_1_is_not() -> None:
    shown = rater_groups({"peer": 3}, {"peer": True}, 3)
    assert shown.shown == {"peer": ("peer",)}
    hidden = rater_groups({"peer": 2}, {"peer": True}, 3)
    assert hidden.shown == {} and hidden.withheld == ("peer",)
    named = rater_groups({"supervisor": 1}, {"supervisor": False}, 3)
    assert named.shown == {"supervisor": ("supervisor",)}
    out = report([rater("p1", "peer", 5), rater("p2", "peer", 4), rater("p3", "peer", 3)])
    assert out["raters"]["peer"]["shown"] is True
    assert out["items"][0]["groups"]["peer"]["mean"] == 4


def test_a_suppressed_raters_answers_and_comments_change_nothing_in_the_report() -> None:
    shown = [rater("self", "self", 5, general="mine"), rater("s", "supervisor", 4, general="supervisor says"),
             rater("p1", "peer", 3, a="peer one"), rater("p2", "peer", 2), rater("p3", "peer", 4)]
    before = report([*shown, rater("d1", "direct_report", 1, general="I manage badly")])
    after = report([*shown, rater("d1", "direct_report", 5, 5, None, 2, general="changed", a="new")])
    assert before["raters"]["withheld"]["groups"] == ["direct_report"]
    assert before == after
    assert all("badly" not in c["text"] and c["text"] != "changed" for c in after["comments"])


def test_all_na_items_have_null_means_and_count_their_na() -> None:
    out = report([rater("self", "self", None, 3, 3, 3), rater("s", "supervisor", None, 4, 4, 4),
                  rater("s2", "supervisor", None, 2, 2, 2)], with_rubric(k_dispersion=2))
    item_a = out["items"][0]
    assert item_a["others"] == {"mean": None, "n": 0, "sd": None, "n_na": 2}
    assert item_a["self"] == {"mean": None, "n": 0, "sd": None, "n_na": 1}
    assert (item_a["gap"], item_a["flag"], item_a["rwg"]) == (None, None, None)
    # The element pools a and b: a's N/As are counted but not averaged (not as zero).
    element = out["elements"][0]
    assert element["others"] == {"mean": 3, "n": 2, "sd": pytest.approx(math.sqrt(2)), "n_na": 2}


def test_a_groups_ratings_of_an_item_count_only_from_k_raters_who_gave_one() -> None:
    # Three peers (k = 3), two of them N/A on item a: one rating would be the peers' mean of a. That cell is
    # withheld and counts in no figure: not in the peers' element, domain or overall, not in others.
    peers = [rater("p1", "peer", 1, 4, 4, 4), rater("p2", "peer", None, 4, 4, 4), rater("p3", "peer", None, 2, 2, 2)]
    out = report([rater("s", "supervisor", 5), *peers])
    item_a, item_b = out["items"][0], out["items"][1]
    assert item_a["groups"]["peer"] == {"mean": None, "n": None, "sd": None, "n_na": None, "withheld": "fewer_than_k"}
    assert item_a["others"] == {"mean": 5, "n": 1, "sd": None, "n_na": 0}  # the supervisor's alone
    assert item_b["groups"]["peer"] == {"mean": pytest.approx(10 / 3), "n": 3, "sd": None, "n_na": 0}
    element = out["elements"][0]  # 1.1 = a and b: only b's peer ratings count
    assert element["groups"]["peer"] == {"mean": pytest.approx(10 / 3), "n": 3, "sd": None, "n_na": 0}
    assert out["overall"]["groups"]["peer"]["n"] == 9  # b, c and d; not the lone rating of a
    # Whatever the lone rating of a, nothing in the report changes.
    other = report([rater("s", "supervisor", 5), rater("p1", "peer", 5, 4, 4, 4), *peers[1:]])
    assert other == out


def test_sd_and_rwg_only_from_k_dispersion_ratings() -> None:
    peers = [rater(f"p{n}", "peer", mark) for n, mark in enumerate((1, 2, 3, 4))]
    four = report(peers)
    assert (four["items"][0]["others"]["sd"], four["items"][0]["rwg"]) == (None, None)  # 4 < k_dispersion = 5
    five = report([*peers, rater("p5", "peer", 5)])
    assert five["items"][0]["others"]["sd"] == pytest.approx(math.sqrt(2.5))
    assert five["items"][0]["rwg"] == 0  # 1 − 2.5 / ((5² − 1) / 12) < 0: no more agreement than random
    agreeing = report([*(rater(f"q{n}", "peer", 4) for n in range(4)), rater("q5", "peer", 5)])
    assert agreeing["items"][0]["rwg"] == pytest.approx(1 - 0.2 / 2)
    assert report(peers, with_rubric(k_dispersion=4))["items"][0]["others"]["sd"] == pytest.approx(math.sqrt(5 / 3))


def test_without_a_self_response_gaps_and_agreement_are_null() -> None:
    out = report([rater("s", "supervisor", 2), rater("p1", "peer", 3), rater("p2", "peer", 3),
                  rater("p3", "peer", 3)])
    assert out["raters"]["self"] == {"count": 0, "shown": False, "label": "Self"}
    assert all(e["self"] is None and e["gap"] is None and e["flag"] is None
               for e in [out["overall"], *out["domains"], *out["elements"], *out["items"]])
    assert out["agreement"] is None


def test_gaps_flag_at_the_threshold_and_set_the_agreement_category() -> None:
    # self 5 vs others 4 on every item: gap exactly 1.0 = threshold -> blind spot, over-estimator.
    out = report([rater("self", "self", 5), rater("s", "supervisor", 4)])
    assert (out["overall"]["gap"], out["overall"]["flag"], out["agreement"]) == (1, "blind_spot", "over_estimator")
    under = report([rater("self", "self", 3), rater("s", "supervisor", 4)])
    assert (under["overall"]["flag"], under["agreement"]) == ("hidden_strength", "under_estimator")
    good = report([rater("self", "self", 4), rater("s", "supervisor", 4, 4, 4, 5)])  # others 4.25 >= 4
    assert (good["overall"]["flag"], good["agreement"]) == (None, "in_agreement_good")
    poor = report([rater("self", "self", 3), rater("s", "supervisor", 3, 3, 4, 4)])  # gap -0.5, others 3.5
    assert (poor["overall"]["gap"], poor["agreement"]) == (-0.5, "in_agreement_poor")
    # A domain mean pools the ratings of all its items: domain 1 = items a, b, c.
    mixed = report([rater("self", "self", 1), rater("s", "supervisor", 5, 1, 3, 2)])
    assert mixed["domains"][0]["others"]["mean"] == 3 and mixed["domains"][1]["others"]["mean"] == 2


def test_validity_fails_on_min_raters_and_on_a_group_minimum() -> None:
    # 3 non-self raters (1 withheld included) < min_raters 4; no "other" rater while its min is 2.
    out = report([rater("self", "self", 3), rater("s", "supervisor", 3), rater("p1", "peer", 3),
                  rater("d1", "direct_report", 3)])
    assert out["validity"]["valid"] is False
    codes = [(r["code"], r.get("group")) for r in out["validity"]["reasons"]]
    assert codes == [("too_few_raters", None), ("group_below_minimum", "other")]
    # Withheld raters count towards min_raters: 1 supervisor + 1 peer + 1 direct report + 2 others = 5.
    valid = report([rater("s", "supervisor", 3), rater("p1", "peer", 3), rater("d1", "direct_report", 3),
                    rater("o1", "other", 3), rater("o2", "other", 3)])
    assert valid["validity"] == {"valid": True, "reasons": []}


def test_comments_are_shown_from_k_comments_counted_raters() -> None:
    rubric = with_rubric(k_comments=5)
    peers = [rater("p1", "peer", 3), rater("p2", "peer", 3), rater("p3", "peer", 3, general="p")]
    four = [rater("self", "self", 3, general="my view"), rater("s", "supervisor", 3, general="s note"), *peers]
    assert report(four, rubric)["comments"] == []  # 4 counted non-self raters = k_comments - 1
    five = [*four, rater("s2", "supervisor", 3, b="about b")]
    comments = report(five, rubric)["comments"]
    assert sorted((c["group"], c["item_id"] or "", c["text"]) for c in comments) == [
        ("peer", "", "p"), ("self", "", "my view"), ("supervisor", "", "s note"), ("supervisor", "b", "about b")]
    assert {"text": "about b", "group": "supervisor", "item_id": "b"} in comments
    assert report(list(reversed(five)), rubric)["comments"] == comments  # never submission order
    # A withheld rater's comment is not counted towards k_comments, nor shown.
    assert report([*four, rater("d1", "direct_report", 3, general="x")], rubric)["comments"] == []
    pooled = report([rater("p1", "peer", 3, general="pooled peer"), rater("p2", "peer", 3),
                     rater("d1", "direct_report", 3)])
    assert pooled["comments"] == [{"text": "pooled peer", "group": "other_colleagues", "item_id": None}]


def test_priorities_are_the_three_lowest_elements_with_ties_by_element_id() -> None:
    rubric = with_rubric(items=[{"id": f"i{e}", "text": e, "element": e} for e in ("2.1", "1.2", "1.1", "3.1")])
    answers = {"i2.1": 2, "i1.2": 2, "i1.1": 2, "i3.1": 1}
    out = report([Response("s", "supervisor", answers, {})], rubric)
    assert [p["element_id"] for p in out["priorities"]] == ["3.1", "1.1", "1.2"]
    first = out["priorities"][1]
    assert first["definition"] == MLCF.elements["1.1"].definition
    assert first["activities"] == ACTIVITIES["1.1"]


def test_rwg_against_the_uniform_null() -> None:
    # Ratings 2, 4 on a 5-point scale: s² = 2, σ²_EU = (25 − 1) / 12 = 2, r_wg = 0.
    assert rwg(Ratings(2, 6, 20, 0), 5) == 0
    # Ratings 3, 4: s² = 0.5 -> r_wg = 0.75; all equal -> 1; spread wider than uniform -> 0.
    assert rwg(Ratings(2, 7, 25, 0), 5) == 0.75
    assert rwg(Ratings(3, 9, 27, 0), 5) == 1
    assert rwg(Ratings(2, 6, 26, 0), 5) == 0
    assert rwg(Ratings(1, 3, 9, 0), 5) is None


def test_hlm_dimensions_pool_the_items_of_the_elements_mapped_to_them() -> None:
    out = report([rater("s", "supervisor", 5, 5, 1, 3)])
    by_id = {d["id"]: d for d in out["hlm"]}
    # 1.1 -> HLM 2 and 8; 1.2 -> 2; 2.1 -> 4 and 9 (rubrics/frameworks/hlm.yaml).
    assert by_id["2"]["elements"] == ["1.1", "1.2"]
    assert by_id["2"]["others"]["mean"] == pytest.approx((5 + 5 + 1) / 3)
    assert by_id["8"]["others"]["mean"] == 5 and by_id["4"]["others"]["mean"] == 3


def test_answers_are_checked_against_the_rubric() -> None:
    issues = answer_issues(RUBRIC, "boss", {"a": 6, "b": None, "zz": 3}, {"nope": "x", "general": "ok"})
    assert issues == [("/group", "is not a rater group of this rubric (one of: self, supervisor, peer, "
                                 "direct_report, other)"),
                      ("/answers/a", "must be between 1 and 5"), ("/answers/zz", "is not an item of this rubric"),
                      ("/answers/c", "is missing: every item needs an answer (null for 'unable to comment')"),
                      ("/answers/d", "is missing: every item needs an answer (null for 'unable to comment')"),
                      ("/comments/nope", 'is not an item of this rubric or "general"')]
    strict = with_rubric(scale={"min": 1, "max": 5, "labels": {}, "allow_na": False})
    assert answer_issues(strict, "peer", {"a": None, "b": 1, "c": 1, "d": 1}, {}) == [
        ("/answers/a", "must be marked: this scale has no 'unable to comment'")]
