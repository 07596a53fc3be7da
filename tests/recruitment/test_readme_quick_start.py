"""The README's quick start, run as written against the service: a campaign, a candidate, every
scorecard of the st3-interview panel, the result it says it ends with, and the ranking CSV."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from tests.support.api import Api
from tests.support.readme import QUICK_START, README, run_script


def quick_start() -> tuple[str, dict]:
    script = QUICK_START.search(README)
    claim = re.search(r"It ends with `(\{.*?\})`", README)
    assert script and claim, "README has no quick start block, or no stated result"
    return script.group(1), json.loads(claim.group(1))


@pytest.mark.skipif(shutil.which("jq") is None, reason="the quick start needs jq, as the README says")
async def test_the_readme_quick_start_runs_as_written(api: Api) -> None:
    script, claimed = quick_start()
    lines = await run_script(api, script)
    assert any(line.startswith("{\"status\"") for line in lines), lines
    result_line = next(line for line in lines if line.startswith("{\"status\""))
    assert json.loads(result_line) == claimed
    header, *rows = lines[lines.index(result_line) + 1:]
    assert header.startswith("rank,candidate_ref,composite") and len(rows) == 1 and rows[0].startswith("1,APP-1001,")
