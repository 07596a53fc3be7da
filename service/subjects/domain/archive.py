"""A subject access export as a ZIP: the JSON document, and each final 360 report as the HTML page the
report endpoint serves, so the person can read them without any software of ours."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping
from typing import Any

# Entries carry a fixed time, so the same export makes the same archive.
ENTRY_TIME = (2000, 1, 1, 0, 0, 0)
README = """\
export.json holds everything the service keeps about the person named in it, in this organisation:
appraisals of which they are the subject (with each final report), candidacies in recruitment campaigns
(scorecards, moderations, results), the survey responses they gave, and the audit events about these.
reports/ holds each final 360 report as a page to open in a browser or print.
Raters' identities are not included; panellists and moderators appear as assessor-1, assessor-2...
"""


def archive(document: Mapping[str, Any], pages: Mapping[str, str]) -> bytes:
    """The ZIP of `document` (as export.json) and `pages` (file name -> HTML) under reports/."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        def add(name: str, text: str) -> None:
            z.writestr(zipfile.ZipInfo(name, ENTRY_TIME), text.encode(), compress_type=zipfile.ZIP_DEFLATED)
        add("README.txt", README)
        add("export.json", json.dumps(document, ensure_ascii=False, indent=2) + "\n")
        for name, html in sorted(pages.items()):
            add(f"reports/{name}", html)
    return out.getvalue()
