"""The release gate: no figure of an appraisal or survey exists before it closes.

While open, a report endpoint answers 409 `report-not-released` with progress only: how many responses
have come, and per group whether its minimum has been reached (a yes or no, never a count). Responses can
be replaced or withdrawn only while open, so once the report exists nothing under it changes and no two
reads can be compared to isolate one response.
"""

from __future__ import annotations

from collections.abc import Mapping

from service.web.problems import Conflict, Problem


class ReportNotReleased(Conflict):
    slug, title = "report-not-released", "The report is not released yet"


class ReleaseRefused(Problem):
    """A report whose release the auditor rejected: a fault in suppression, answered as a 500 without a figure
    (never a leak). The detail names the rule, never a figure."""

    status, slug, title = 500, "release-refused", "The report could not be released safely"


def not_released(kind: str, responses: int, minimum_reached: Mapping[str, bool]) -> ReportNotReleased:
    """The 409 for the report of an open appraisal or survey (`kind`), with its progress."""
    return ReportNotReleased(
        f"The {kind} is still open: its report is made once, when it closes, so that no two reports can be "
        "compared to work out one response",
        extra={"progress": {"responses": responses,
                            "groups": {g: {"minimum_reached": bool(v)} for g, v in minimum_reached.items()}}})
