"""Rubric documents: the defaults of every optional field, and the content hash a published version keeps."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

Issues = list[tuple[str, str]]  # (JSON pointer, message)

DEFAULTS: dict[str, dict[str, Any]] = {
    "recruitment": {"aggregation": "mean", "disagreement_threshold": 2, "appointability": [],
                    "tie_break": [], "components": []},
    "appraisal_360": {"k": 3, "k_comments": 3, "k_dispersion": 5, "min_raters": 8, "gap_threshold": 1.0,
                      "good_cut": 4.0},
    "engagement_survey": {"min_unit_size": 5},
}
SCALE_DEFAULTS = {"allow_na": False, "na_label": "Unable to comment"}


def content_hash(doc: dict[str, Any]) -> str:
    """A hash of the content as written: formatting and comments don't change it, any value does."""
    canonical = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def with_defaults(doc: dict[str, Any]) -> dict[str, Any]:
    """The document with every optional field filled in (the shape the API returns and scoring reads)."""
    out = copy.deepcopy(doc)
    for key, value in DEFAULTS[out["purpose"]].items():
        out.setdefault(key, copy.deepcopy(value))
    for key, value in SCALE_DEFAULTS.items():
        out["scale"].setdefault(key, value)
    if out["purpose"] == "recruitment":
        for c in out["criteria"]:
            c.setdefault("weight", 1)
            c.setdefault("descriptors", {})
            c.setdefault("prompts", [])
        for s in out["stations"]:
            s.setdefault("panellists", 2)
    elif out["purpose"] == "appraisal_360":
        for g in out["rater_groups"]:
            self_group = g["id"] == "self"
            g.setdefault("anonymous", not self_group)
            g.setdefault("min", 0)
            g.setdefault("max", 1 if self_group else None)
    else:
        for item in out["items"]:
            item.setdefault("reverse", False)
    return out
