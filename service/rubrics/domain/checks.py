"""The semantic rules of a rubric document that its JSON Schema can't express (weights, ids, scales)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from service.rubrics.domain.frameworks import Framework

Issues = list[tuple[str, str]]  # (JSON pointer, message)


def semantic_issues(doc: dict[str, Any], framework: Framework) -> Issues:
    """Every semantic problem of a schema-valid rubric document (defaults filled in)."""
    issues = _scale_issues(doc["scale"])
    checks = {"recruitment": _recruitment, "appraisal_360": _appraisal, "engagement_survey": _survey}
    return issues + checks[doc["purpose"]](doc, framework)


def _duplicates(items: list[dict[str, Any]], base: str, what: str) -> Issues:
    counts = Counter(i["id"] for i in items)
    return [(f"{base}/{n}/id", f"{what} id {i['id']!r} is used more than once")
            for n, i in enumerate(items) if counts[i["id"]] > 1]


def _in_scale(scale: dict[str, Any], value: float) -> bool:
    return scale["min"] <= value <= scale["max"]


def _scale_issues(scale: dict[str, Any]) -> Issues:
    if scale["min"] >= scale["max"]:
        return [("/scale/max", f"scale max ({scale['max']}) must be greater than min ({scale['min']})")]
    points = {str(p) for p in range(scale["min"], scale["max"] + 1)}
    labels = set(scale["labels"])
    issues = [(f"/scale/labels/{k}", f"{k} is not a point of the {scale['min']}-{scale['max']} scale")
              for k in sorted(labels - points, key=int)]
    missing = sorted(points - labels, key=int)
    if missing:
        issues.append(("/scale/labels", f"no label for scale point(s) {', '.join(missing)}"))
    return issues


def _elements(framework: Framework, ids: list[str], base: str) -> Issues:
    return [(f"{base}/{n}", f"{e} is not an element of the {framework.id} framework")
            for n, e in enumerate(ids) if e not in framework.elements]


def _recruitment(doc: dict[str, Any], framework: Framework) -> Issues:
    scale = doc["scale"]
    issues = _duplicates(doc["criteria"], "/criteria", "criterion")
    issues += _duplicates(doc["stations"], "/stations", "station")
    criteria = {c["id"] for c in doc["criteria"]}
    stations = {s["id"] for s in doc["stations"]}
    used: set[str] = set()
    for n, criterion in enumerate(doc["criteria"]):
        issues += _elements(framework, criterion["elements"], f"/criteria/{n}/elements")
        issues += [(f"/criteria/{n}/descriptors/{k}", f"descriptor key {k} is not a point of the scale")
                   for k in criterion["descriptors"] if not _in_scale(scale, int(k))]
    for n, station in enumerate(doc["stations"]):
        for m, cid in enumerate(station["criteria"]):
            if cid not in criteria:
                issues.append((f"/stations/{n}/criteria/{m}", f"criterion {cid!r} is not defined in criteria"))
            elif cid in station["criteria"][:m]:
                issues.append((f"/stations/{n}/criteria/{m}", f"criterion {cid!r} is listed twice"))
            used.add(cid)
    issues += [(f"/criteria/{n}/id", f"criterion {c['id']!r} is not assessed at any station")
               for n, c in enumerate(doc["criteria"]) if c["id"] not in used]
    span = scale["max"] - scale["min"]
    if doc["disagreement_threshold"] > span:
        issues.append(("/disagreement_threshold",
                       f"threshold {doc['disagreement_threshold']} is larger than the scale's range ({span})"))
    raw_max = sum(s["panellists"] * len(s["criteria"]) for s in doc["stations"]) * scale["max"]
    for n, rule in enumerate(doc["appointability"]):
        (kind, value), = rule.items()
        where = f"/appointability/{n}/{kind}"
        if kind in ("no_mark_at_or_below", "no_aggregate_at_or_below") and not _in_scale(scale, value):
            issues.append((where, f"{value} is outside the {scale['min']}-{scale['max']} scale"))
        elif kind == "max_marks_at_or_below" and not _in_scale(scale, value["value"]):
            issues.append((where + "/value", f"{value['value']} is outside the {scale['min']}-{scale['max']} scale"))
        elif kind == "min_raw_total" and value > raw_max:
            issues.append((where, f"{value} is more than the highest possible raw total ({raw_max})"))
    for n, sid in enumerate(doc["tie_break"]):
        if sid not in stations:
            issues.append((f"/tie_break/{n}", f"station {sid!r} is not defined in stations"))
        elif sid in doc["tie_break"][:n]:
            issues.append((f"/tie_break/{n}", f"station {sid!r} is listed twice"))
    issues += _duplicates(doc["components"], "/components", "component")
    total = sum(c["weight"] for c in doc["components"])
    if doc["components"] and total >= 1:
        issues.append(("/components", f"component weights sum to {total:g}; they must sum to less than 1"))
    return issues


# Keys a 360 report's `raters` and `groups` use beside the rubric's own group ids.
RESERVED_GROUP_IDS = {"other_colleagues": "the pool of small anonymous groups",
                      "withheld": "the count of responses left out"}


def _appraisal(doc: dict[str, Any], framework: Framework) -> Issues:
    scale = doc["scale"]
    issues = _duplicates(doc["items"], "/items", "item")
    issues += _duplicates(doc["rater_groups"], "/rater_groups", "rater group")
    issues += [(f"/items/{n}/element", f"{i['element']} is not an element of the {framework.id} framework")
               for n, i in enumerate(doc["items"]) if i["element"] not in framework.elements]
    for n, group in enumerate(doc["rater_groups"]):
        if group["id"] == "self" and (group["max"] != 1 or group["anonymous"]):
            issues.append((f"/rater_groups/{n}", "the self group must have max 1 and anonymous false"))
        if group["max"] is not None and group["min"] > group["max"]:
            issues.append((f"/rater_groups/{n}/min", f"min {group['min']} is more than max {group['max']}"))
        if group["id"] in RESERVED_GROUP_IDS:
            issues.append((f"/rater_groups/{n}/id", f"{group['id']} is reserved: the report uses it for "
                                                    + RESERVED_GROUP_IDS[group["id"]]))
    if doc["rater_groups"] and all(g["id"] == "self" for g in doc["rater_groups"]):
        issues.append(("/rater_groups", "at least one group other than self is needed"))
    if not _in_scale(scale, doc["good_cut"]):
        issues.append(("/good_cut", f"{doc['good_cut']} is outside the {scale['min']}-{scale['max']} scale"))
    if doc["gap_threshold"] >= scale["max"] - scale["min"]:
        issues.append(("/gap_threshold", f"{doc['gap_threshold']} is not smaller than the scale's range"))
    return issues


def _survey(doc: dict[str, Any], framework: Framework) -> Issues:
    issues = _duplicates(doc["items"], "/items", "item")
    issues += _duplicates(doc["subscales"], "/subscales", "sub-scale")
    issues += _duplicates(doc["metascales"], "/metascales", "meta-scale")
    subscales = {s["id"] for s in doc["subscales"]}
    metascales = {m["id"] for m in doc["metascales"]}
    issues += [(f"/items/{n}/subscale", f"sub-scale {i['subscale']!r} is not defined in subscales")
               for n, i in enumerate(doc["items"]) if i["subscale"] not in subscales]
    issues += [(f"/subscales/{n}/metascale", f"meta-scale {s['metascale']!r} is not defined in metascales")
               for n, s in enumerate(doc["subscales"]) if s["metascale"] not in metascales]
    per_sub = Counter(i["subscale"] for i in doc["items"])
    issues += [(f"/subscales/{n}", f"sub-scale {s['id']!r} has {per_sub[s['id']]} item(s); it needs at least 2")
               for n, s in enumerate(doc["subscales"]) if per_sub[s["id"]] < 2]
    per_meta = Counter(s["metascale"] for s in doc["subscales"])
    issues += [(f"/metascales/{n}", f"meta-scale {m['id']!r} has no sub-scales")
               for n, m in enumerate(doc["metascales"]) if per_meta[m["id"]] == 0]
    bands = doc["bands"]
    if bands[0]["min"] != 0:
        issues.append(("/bands/0/min", "the first band must start at 0 so every index has a band"))
    issues += [(f"/bands/{n}/min", f"band minimums must ascend; {b['min']} follows {bands[n - 1]['min']}")
               for n, b in enumerate(bands) if n and b["min"] <= bands[n - 1]["min"]]
    return issues
