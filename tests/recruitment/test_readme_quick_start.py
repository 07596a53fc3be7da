"""The README's quick start, run as written against the service: a campaign, a candidate, every
scorecard of the st3-interview panel, the result it says it ends with, and the ranking CSV."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil

import pytest

from service.config import ROOT
from tests.support.api import Api

README = (ROOT / "README.md").read_text(encoding="utf-8")


def quick_start() -> tuple[str, dict]:
    script = re.search(r"<!-- quick start -->\n```sh\n(.*?)```", README, re.S)
    claim = re.search(r"It ends with `(\{.*?\})`", README)
    assert script and claim, "README has no quick start block, or no stated result"
    return script.group(1), json.loads(claim.group(1))


@pytest.mark.skipif(shutil.which("jq") is None, reason="the quick start needs jq, as the README says")
async def test_the_readme_quick_start_runs_as_written(api: Api) -> None:
    script, claimed = quick_start()
    proc = await asyncio.create_subprocess_exec(
        "bash", "-euo", "pipefail", "-c", script, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "API": str(api.client.make_url("")).rstrip("/"), "KEY": api.token or ""})
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, err.decode()
    lines = out.decode().splitlines()
    assert any(line.startswith("{\"status\"") for line in lines), out.decode()
    result_line = next(line for line in lines if line.startswith("{\"status\""))
    assert json.loads(result_line) == claimed
    header, *rows = lines[lines.index(result_line) + 1:]
    assert header.startswith("rank,candidate_ref,composite") and len(rows) == 1 and rows[0].startswith("1,APP-1001,")
