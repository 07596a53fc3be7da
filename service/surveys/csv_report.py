"""A survey report as CSV: one row per figure of the organisation and of each shown group."""

from __future__ import annotations

import csv
import io
import unicodedata
from typing import Any

COLUMNS = ("level", "group", "respondents", "measure", "measure_id", "measure_name", "mean", "score_100", "band",
           "n")
_FORMULA_START = {"=", "+", "-", "@"}


def cell(text: str) -> str:
    """Text as a spreadsheet shows it: quoted when a spreadsheet could run it as a formula, that is when it
    starts with a control character, or its first character after any white space is one of = + - @ in any
    width (a full-width ＝ counts as =)."""
    first = text.lstrip()[:1]
    if (text[:1] and unicodedata.category(text[0]) == "Cc") or unicodedata.normalize("NFKC", first) in _FORMULA_START:
        return "'" + text
    return text


def report_csv(report: dict[str, Any]) -> str:
    """Rows for the organisation (level `organisation`, group empty) then each shown group in key order (level
    `unit` or `staff_group`); in each, the index, the meta-scales and the sub-scales in the rubric's order.
    Hidden groups and withheld figures have no rows.
    Numbers at full precision; empty cells where no respondent has a score."""
    names = {m["id"]: m["name"] for m in report["metascales"]} | {s["id"]: s["name"] for s in report["subscales"]}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    entries = [("organisation", "", report["overall"])] + [(report["by"], g["key"], g) for g in report["groups"]]
    for level, key, entry in entries:
        if not entry["shown"]:
            continue
        measures = [("index", "", "Engagement index", entry["index"])]
        measures += [("metascale", m["id"], names[m["id"]], entry["metascales"][m["id"]]) for m in report["metascales"]]
        measures += [("subscale", s["id"], names[s["id"]], entry["subscales"][s["id"]]) for s in report["subscales"]]
        for measure, ident, name, fig in measures:
            if "withheld" in fig:
                continue
            writer.writerow((level, cell(key), entry["respondents"], measure, ident, cell(name),
                             *("" if fig[k] is None else fig[k] for k in ("mean", "score_100", "band", "n"))))
    return out.getvalue()
