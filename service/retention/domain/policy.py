"""Retention: what an organisation keeps, for how long, and the moment before which each kind of record has
had its time. Pure: the caller gives the clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Kind:
    name: str  # the policy's field, and the CLI option (`--closed-appraisals-days`)
    what: str  # what is removed, for reports
    default_days: int | None  # None: kept until the organisation sets a period
    counted_from: str  # the moment the period runs from
    settable: bool = True  # False: the period is the service's, whatever the organisation sets


KINDS = (
    Kind("closed_appraisals", "closed appraisals with their responses and report", 6 * 365, "closing"),
    Kind("closed_surveys", "closed surveys with their responses", 6 * 365, "closing"),
    Kind("finalised_campaigns", "finalised campaigns with their candidates, scorecards, moderations and results",
         365, "finalisation"),
    Kind("webhook_records", "inbound webhook receipts, and outbound messages no longer pending with their attempts",
         90, "receipt or queueing"),
    Kind("audit_events", "audit events", None, "the event"),
    # Stored idempotent answers can hold personal data (a created candidate's name); they serve replays for
    # a day and are removed a day after that.
    Kind("idempotency_records", "stored idempotent answers", 2, "the request", settable=False),
)
BY_NAME = {kind.name: kind for kind in KINDS}
SETTABLE = tuple(kind for kind in KINDS if kind.settable)  # the columns of retention_policies


@dataclass(frozen=True)
class Policy:
    """An organisation's periods in days, by kind name; a kind not set takes its default."""

    days: dict[str, int | None]

    def period(self, kind: Kind) -> int | None:
        set_days = self.days.get(kind.name) if kind.settable else None
        return set_days if set_days is not None else kind.default_days

    def cutoffs(self, now: datetime) -> dict[str, datetime | None]:
        """For each kind, the moment records counted from before it are removed (None: kept)."""
        return {kind.name: None if (days := self.period(kind)) is None else now - timedelta(days=days)
                for kind in KINDS}
