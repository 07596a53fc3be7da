"""The 360 feedback report as a self-contained HTML page (print-ready for A4), made from the report JSON."""

from __future__ import annotations

from service.appraisals.html.render import render

__all__ = ["render"]
