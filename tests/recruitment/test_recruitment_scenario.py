"""A 30-candidate st3-interview campaign with seeded random marks, checked against an independent
computation written here from the scoring rules (it shares no code with the service)."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from tests.recruitment.recruitment_support import new_campaign
from tests.support.api import Api


def r4(x: Fraction) -> float:
    return float((Decimal(x.numerator) / Decimal(x.denominator)).quantize(Decimal("0.0001"), ROUND_HALF_UP))


def expected_result(rubric: dict[str, Any], ref: str, cards: dict[tuple[str, str], dict[str, int]],
                    moderations: dict[tuple[str, str], int]) -> dict[str, Any]:
    weights = {c["id"]: Fraction(str(c["weight"])) for c in rubric["criteria"]}
    top = rubric["scale"]["max"]
    everything: list[int] = []
    stations, flagged, missing = [], False, False
    for st in rubric["stations"]:
        panel = {p: m for (s, p), m in cards.items() if s == st["id"]}
        missing |= len(panel) < st["panellists"]
        criteria, total = [], Fraction(0)
        for cid in st["criteria"]:
            marks = {p: m[cid] for p, m in panel.items()}
            everything += marks.values()
            mean = Fraction(sum(marks.values()), len(marks)) if marks else None
            moderated = (st["id"], cid) in moderations
            agg = Fraction(moderations[(st["id"], cid)]) if moderated else mean
            flag = bool(marks) and not moderated and max(marks.values()) - min(marks.values()) >= 2
            flagged |= flag
            criteria.append({"criterion_id": cid, "marks": marks, "aggregate": agg, "flagged": flag,
                             "moderated": moderated})
            total = total + weights[cid] * agg if agg is not None and total is not None else None
        stations.append({"station_id": st["id"], "score": total,
                         "max": sum(weights[c] for c in st["criteria"]) * top, "criteria": criteria})
    score = None if any(s["score"] is None for s in stations) else sum(s["score"] for s in stations)
    max_score = sum(s["max"] for s in stations)
    percent = None if score is None else 100 * score / max_score
    status = "incomplete" if missing else "needs_moderation" if flagged else "complete"
    failed = []
    if status == "complete":
        if any(m <= 1 for m in everything):
            failed.append("no_mark_at_or_below")
        if sum(1 for m in everything if m <= 2) > 2:
            failed.append("max_marks_at_or_below")
        if sum(everything) * 100 < 60 * len(everything) * top:
            failed.append("min_raw_percent")
    return {"candidate_ref": ref, "status": status, "score": score, "max_score": max_score, "percent": percent,
            "raw_total": sum(everything), "raw_max": len(everything) * top, "composite": percent,
            "appointable": None if status != "complete" else not failed, "failed": failed, "stations": stations}


def expected_ranking(results: list[dict[str, Any]], tie_break: list[str]) -> list[tuple[int | None, str]]:
    def key(r: dict[str, Any]) -> tuple[Fraction, ...]:
        scores = {s["station_id"]: s["score"] for s in r["stations"]}
        return (r["composite"], *(scores[t] for t in tie_break))
    ranked = sorted((r for r in results if r["status"] == "complete" and r["appointable"]),
                    key=lambda r: tuple(-k for k in key(r)))
    out: list[tuple[int | None, str]] = []
    for i, r in enumerate(ranked):
        same = i > 0 and key(ranked[i - 1]) == key(r)
        out.append((out[-1][0] if same else i + 1, r["candidate_ref"]))
    return out


async def test_thirty_candidates_match_an_independent_computation(api: Api) -> None:
    rubric = (await api.get("/v1/rubrics/st3-interview")).json
    campaign = await new_campaign(api, "ST3-SCENARIO")
    rng = random.Random(20261126)
    expected: dict[str, dict[str, Any]] = {}
    twin_marks: dict[tuple[str, str], dict[str, int]] | None = None
    for n in range(30):
        ref = f"APP-{n:03d}"
        base = f"/v1/campaigns/{campaign['id']}/candidates/{ref}"
        assert (await api.put(base, {"display_name": f"Applicant {n}"})).status == 201
        ability = rng.choice([2, 3, 3, 4, 4, 5])
        cards: dict[tuple[str, str], dict[str, int]] = {}
        for st in rubric["stations"]:
            for p in range(st["panellists"]):
                if n % 11 == 5 and st is rubric["stations"][-1] and p == 1:
                    continue  # incomplete: a missing scorecard
                cards[(st["id"], f"{st['id']}-panel-{p}")] = {
                    c: min(5, max(1, ability + rng.choice([-1, 0, 0, 0, 1]) - (n % 13 == 0 and p == 0)))
                    for c in st["criteria"]}
        if n in (20, 21):  # identical twins: the tie survives every tie-break
            twin_marks = twin_marks or {k: dict.fromkeys(v, 4) for k, v in cards.items()}
            cards = twin_marks
        for (station_id, panellist), marks in cards.items():
            reply = await api.put(f"{base}/scorecards/{station_id}/{panellist}", {"marks": marks})
            assert reply.status == 201, reply.text
        moderations: dict[tuple[str, str], int] = {}
        if n % 3 != 0:  # the panel moderates every flagged criterion of these candidates
            partial = expected_result(rubric, ref, cards, {})
            for st in partial["stations"]:
                for c in st["criteria"]:
                    if c["flagged"]:
                        moderations[(st["station_id"], c["criterion_id"])] = 3
                        await api.post(f"{base}/moderations", {"station_id": st["station_id"],
                                                               "criterion_id": c["criterion_id"], "mark": 3,
                                                               "reason": "agreed", "moderator_ref": "chair"})
        expected[ref] = expected_result(rubric, ref, cards, moderations)

    statuses = {e["status"] for e in expected.values()}
    assert statuses == {"complete", "incomplete", "needs_moderation"}, "the seed should exercise every status"
    assert any(e["appointable"] is False for e in expected.values())

    for ref, exp in expected.items():
        got = (await api.get(f"/v1/campaigns/{campaign['id']}/candidates/{ref}/result")).json
        assert got["status"] == exp["status"], ref
        assert got["appointable"] == exp["appointable"], ref
        assert (got["raw_total"], got["raw_max"]) == (exp["raw_total"], exp["raw_max"]), ref
        assert got["max_score"] == float(exp["max_score"])
        assert got["score"] == (None if exp["score"] is None else float(exp["score"])), ref
        assert got["percent"] == (None if exp["percent"] is None else r4(exp["percent"])), ref
        assert got["composite"] == got["percent"]
        assert sorted(r["code"] for r in got["reasons"] if r["code"] in exp["failed"]) == sorted(exp["failed"])
        for got_station, exp_station in zip(got["stations"], exp["stations"], strict=True):
            assert got_station["score"] == (None if exp_station["score"] is None else float(exp_station["score"]))
            for gc, ec in zip(got_station["criteria"], exp_station["criteria"], strict=True):
                assert gc["marks"] == ec["marks"]
                assert gc["aggregate"] == (None if ec["aggregate"] is None else float(ec["aggregate"]))
                assert (gc["flagged"], gc["moderated"]) == (ec["flagged"], ec["moderated"])

    ranking = (await api.get(f"/v1/campaigns/{campaign['id']}/ranking")).json["items"]
    ranked = [(i["rank"], i["candidate_ref"]) for i in ranking if i["rank"] is not None]
    want = expected_ranking(list(expected.values()), rubric["tie_break"])
    assert sorted(ranked, key=lambda t: (t[0], t[1])) == sorted(want, key=lambda t: (t[0], t[1]))
    assert [r for r, _ in ranked] == sorted(r for r, _ in ranked)
    twins = {i["candidate_ref"]: i["rank"] for i in ranking if i["candidate_ref"] in ("APP-020", "APP-021")}
    assert twins["APP-020"] == twins["APP-021"] is not None
    assert [r for r, _ in ranked].count(twins["APP-020"]) == 2
    assert twins["APP-020"] + 2 in [r for r, _ in ranked] or twins["APP-020"] + 1 == len(ranked)
    unranked = [i for i in ranking if i["rank"] is None]
    assert len(unranked) == 30 - len(want)
    assert ranking[-len(unranked):] == unranked if unranked else True
