"""The README's engagement survey block, run as written against the service (after the quick start's first
lines, which set API, KEY, H and J)."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from service.config import ROOT
from tests.support.api import Api

README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.skipif(shutil.which("jq") is None, reason="the README's examples need jq, as they say")
async def test_the_readme_survey_block_runs_as_written(api: Api, tmp_path: Path) -> None:
    setup = re.search(r"<!-- quick start -->\n```sh\n((?:.*\n){2})", README)
    block = re.search(r"## Engagement surveys\n.*?```sh\n(.*?)```", README, re.S)
    assert setup and block, "README has no engagement survey block"
    proc = await asyncio.create_subprocess_exec(
        "bash", "-euo", "pipefail", "-c", setup.group(1) + block.group(1), cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "API": str(api.client.make_url("")).rstrip("/"), "KEY": api.token or ""})
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, err.decode()
    report = json.loads(out.decode().splitlines()[-1])
    assert (report["status"], report["by"]) == ("final", "unit")
    assert [(g["key"], g["respondents"], g["shown"]) for g in report["groups"]] == [("Surgery", 6, True)]
    rows = list(csv.DictReader((tmp_path / "survey.csv").read_text(encoding="utf-8").splitlines()))
    assert {(r["level"], r["group"]) for r in rows} == {("organisation", ""), ("unit", "Surgery")}
    assert (tmp_path / "survey.html").read_text(encoding="utf-8").lower().startswith("<!doctype html")
