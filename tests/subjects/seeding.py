"""A doctor with something of every kind held about them, beside another doctor and another organisation
holding data under the same references."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.recruitment.recruitment_support import full_marks, new_campaign, st3
from tests.support.api import Api

DOCTOR, OTHER_DOCTOR = "GMC-7000001", "GMC-7000002"
RATERS = {"SUP-ANNA": "supervisor", "PEER-BEN": "peer", "PEER-CAT": "peer", "PEER-DAN": "peer",
          "PEER-EVE": "peer", "OTHER-FAY": "other", "OTHER-GUS": "other", "OTHER-HAL": "other",
          "OTHER-IVY": "other", "PEER-JON": "peer", "DR-KIM": "direct_report"}
PANELLISTS, MODERATOR = ("PANEL-ALICE", "PANEL-BOB"), "CHAIR-CAROL"


@dataclass
class Seeded:
    closed: dict[str, Any] = field(default_factory=dict)  # the doctor's closed appraisal
    still_open: dict[str, Any] = field(default_factory=dict)
    colleagues: dict[str, Any] = field(default_factory=dict)  # the appraisal of a colleague the doctor rated
    campaign: dict[str, Any] = field(default_factory=dict)
    candidate: dict[str, Any] = field(default_factory=dict)  # the last PUT's answer
    survey: dict[str, Any] = field(default_factory=dict)
    survey_answers: dict[str, int] = field(default_factory=dict)
    scorecards: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (station, panellist)
    moderation: dict[str, Any] = field(default_factory=dict)
    foreign: list[str] = field(default_factory=list)  # texts that are not the doctor's and must not appear


async def appraisal(api: Api, subject: str, external_ref: str) -> dict[str, Any]:
    reply = await api.post("/v1/appraisals", {"subject_ref": subject, "rubric_id": "mlcf-360", "cycle": "2026-27",
                                              "external_ref": external_ref})
    assert reply.status == 201, reply.text
    return reply.json


async def rate(api: Api, appraisal_id: str, rater: str, group: str, items: list[str], mark: int,
               comment: str | None = None) -> None:
    body: dict[str, Any] = {"group": group, "answers": dict.fromkeys(items, mark)}
    if comment:
        body["comments"] = {"general": comment}
    reply = await api.put(f"/v1/appraisals/{appraisal_id}/responses/{rater}", body)
    assert reply.status == 201, reply.text


async def seed(api: Api, elsewhere: Api) -> Seeded:
    s = Seeded()
    items = [i["id"] for i in (await api.get("/v1/rubrics/mlcf-360")).json["items"]]
    s.closed = await appraisal(api, DOCTOR, "APP-DOCTOR-2026")
    await rate(api, s.closed["id"], DOCTOR, "self", items, 4, "my own reflection")
    for n, (rater, group) in enumerate(RATERS.items()):
        await rate(api, s.closed["id"], rater, group, items, 2 + n % 4, f"comment from {group} number {n}")
    assert (await api.post(f"/v1/appraisals/{s.closed['id']}/close")).status == 200
    s.still_open = await appraisal(api, DOCTOR, "APP-DOCTOR-2027")
    await rate(api, s.still_open["id"], "PEER-BEN", "peer", items, 3, "OPEN-APPRAISAL-EARLY-COMMENT")
    # the doctor rates a colleague: that response is the colleague's appraisal's, not the doctor's export's
    s.colleagues = other = await appraisal(api, OTHER_DOCTOR, "APP-OTHER-2026")
    await rate(api, other["id"], DOCTOR, "peer", items, 5, "DOCTOR-ON-COLLEAGUE")
    await rate(api, other["id"], OTHER_DOCTOR, "self", items, 3, "OTHER-DOCTOR-REFLECTION")
    s.foreign += ["APP-OTHER-2026", "DOCTOR-ON-COLLEAGUE", "OTHER-DOCTOR-REFLECTION",
                  "OPEN-APPRAISAL-EARLY-COMMENT", *RATERS]

    rubric = await st3(api)
    s.campaign = await new_campaign(api, "ST3-SAR-R1")
    base = f"/v1/campaigns/{s.campaign['id']}/candidates"
    reply = await api.put(f"{base}/{DOCTOR}", {"display_name": "Dr Seeded Doctor"})
    assert reply.status == 201
    s.candidate = (await api.put(f"{base}/{DOCTOR}", {"display_name": "Dr Seeded Doctor (rectified)"})).json
    for station in rubric["stations"][:2]:
        for n, panellist in enumerate(PANELLISTS):
            body = {"marks": full_marks(rubric, station["id"], 3 + n), "comment": f"{station['id']} remark {n}",
                    "evidence": {station["criteria"][0]: f"evidence at {station['id']} {n}"}}
            assert (await api.put(f"{base}/{DOCTOR}/scorecards/{station['id']}/{panellist}", body)).status == 201
            s.scorecards[(station["id"], panellist)] = body
    station = rubric["stations"][0]
    s.moderation = {"station_id": station["id"], "criterion_id": station["criteria"][0], "mark": 4,
                    "reason": "agreed at the wash-up", "moderator_ref": MODERATOR}
    assert (await api.post(f"{base}/{DOCTOR}/moderations", s.moderation)).status == 201
    assert (await api.put(f"{base}/{OTHER_DOCTOR}", {"display_name": "Dr Other Candidate"})).status == 201
    body = {"marks": full_marks(rubric, station["id"], 5), "comment": "OTHER-CANDIDATE-REMARK"}
    assert (await api.put(f"{base}/{OTHER_DOCTOR}/scorecards/{station['id']}/PANEL-ALICE", body)).status == 201
    s.foreign += ["Dr Other Candidate", "OTHER-CANDIDATE-REMARK", OTHER_DOCTOR, *PANELLISTS, MODERATOR]

    survey_items = [i["id"] for i in (await api.get("/v1/rubrics/engagement-survey")).json["items"]]
    reply = await api.post("/v1/surveys", {"reference": "MES-SAR", "title": "Engagement", "rubric_id":
                                           "engagement-survey"})
    s.survey = reply.json
    s.survey_answers = {i: 1 + n % 5 for n, i in enumerate(survey_items) if n != 1}  # one item not answered
    assert (await api.put(f"/v1/surveys/{s.survey['id']}/responses/{DOCTOR}",
                          {"unit": "Ward 7", "staff_group": "consultant", "answers": s.survey_answers})).status == 201
    for n in range(3):
        assert (await api.put(f"/v1/surveys/{s.survey['id']}/responses/RESP-{n}",
                              {"unit": f"UNIT-OF-RESP-{n}", "staff_group": "nurse",
                               "answers": dict.fromkeys(survey_items, 2)})).status == 201
    # the doctor's own answers, unit and staff group are not exported either: what they answered anonymously
    s.foreign += [f"UNIT-OF-RESP-{n}" for n in range(3)] + ["Ward 7", "consultant"]

    # another organisation holds data under the very same references
    theirs = await appraisal(elsewhere, DOCTOR, "APP-ELSEWHERE")
    await rate(elsewhere, theirs["id"], DOCTOR, "self", items, 1, "ELSEWHERE-REFLECTION")
    campaign = await new_campaign(elsewhere, "ELSEWHERE-ROUND")
    assert (await elsewhere.put(f"/v1/campaigns/{campaign['id']}/candidates/{DOCTOR}",
                                {"display_name": "ELSEWHERE-NAME"})).status == 201
    s.foreign += ["APP-ELSEWHERE", "ELSEWHERE-REFLECTION", "ELSEWHERE-ROUND", "ELSEWHERE-NAME", theirs["id"]]
    return s
