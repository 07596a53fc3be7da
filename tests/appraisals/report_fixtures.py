"""Report JSON built with the real pure functions from the repository's MLCF 360 rubric, frameworks and
development catalogue, for tests of what is made from a report (its HTML page, for one)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from service.appraisals.domain.model import FeedbackRubric, Response
from service.appraisals.domain.report import Appraisal, build_report
from service.rubrics.domain.frameworks import Framework
from service.rubrics.domain.model import with_defaults

ROOT = Path(__file__).resolve().parents[2]


def _yaml(path: str) -> Any:
    return yaml.safe_load((ROOT / path).read_text())


RUBRIC = FeedbackRubric.from_document(with_defaults(_yaml("rubrics/mlcf-360.yaml")))
MLCF = Framework.from_document(_yaml("rubrics/frameworks/mlcf.yaml"))
HLM = Framework.from_document(_yaml("rubrics/frameworks/hlm.yaml"))
ACTIVITIES = _yaml("rubrics/development/mlcf.yaml")["elements"]

# One supervisor and five peers are shown; two people supervised and two other colleagues are too few to
# show apart (k = 3), so they are pooled as "other colleagues".
GROUPS = ("self", "supervisor", *["peer"] * 5, *["direct_report"] * 2, *["other"] * 2)
TRICKY_COMMENTS = {
    "general": "Calm under pressure.\nTeaches well. <script>alert('x')</script> & \"quotes\"",
    "i1_1_a": "A-very-long-unbroken-token-" * 12,
}


def responses(groups: Sequence[str] = GROUPS, seed: int = 7) -> list[Response]:
    """One response per group entry: each rater centred on a level of their own, some answers N/A, a general
    comment or one on a question; the first peer's comments hold markup and a long unbroken word."""
    rng = random.Random(seed)
    out = []
    for n, group in enumerate(groups):
        level = rng.choice([2, 3, 4, 5])
        answers = {i.id: None if rng.random() < 0.1 else max(1, min(5, level + rng.choice([-2, -1, 0, 0, 1])))
                   for i in RUBRIC.items}
        comments = ({"general": f"Comment {n}: works well with the team and could delegate more to others."}
                    if n % 2 else {RUBRIC.items[n].id: "Explains plans to patients clearly."})
        out.append(Response(f"r{n}", group, answers, TRICKY_COMMENTS if n == 2 else comments))
    return out


def report(responses_: Sequence[Response] | None = None) -> dict[str, Any]:
    """The report JSON of an appraisal with these responses (by default those of `responses()`)."""
    appraisal = Appraisal("3f0c2a9e-0000-4000-8000-000000000001", "GMC-7654321", "2026-27",
                          {"id": "mlcf-360", "version": 1, "hash": "sha256:0f1e2d"})
    return build_report(appraisal, RUBRIC, MLCF, responses() if responses_ is None else responses_,
                        activities=ACTIVITIES, hlm=HLM)
