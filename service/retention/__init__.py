"""Retention: per-organisation periods after which closed appraisals and surveys, finalised campaigns,
webhook records and (when set) audit events are removed; applied by `python -m service retention run`."""
