"""The README's engagement survey block, run as written against the service."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from tests.support.api import Api
from tests.support.readme import run_script, section_block


@pytest.mark.skipif(shutil.which("jq") is None, reason="the README's examples need jq, as they say")
async def test_the_readme_survey_block_runs_as_written(api: Api, tmp_path: Path) -> None:
    lines = await run_script(api, section_block("Engagement surveys"), tmp_path)
    report = json.loads(lines[-1])
    assert (report["status"], report["by"]) == ("final", "unit")
    assert [(g["key"], g["respondents"], g["shown"]) for g in report["groups"]] == [("Surgery", 6, True)]
    rows = list(csv.DictReader((tmp_path / "survey.csv").read_text(encoding="utf-8").splitlines()))
    assert {(r["level"], r["group"]) for r in rows} == {("organisation", ""), ("unit", "Surgery")}
    assert (tmp_path / "survey.html").read_text(encoding="utf-8").lower().startswith("<!doctype html")
