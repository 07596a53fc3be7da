"""The README's 360 feedback block, run as written against the service."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.support.api import Api
from tests.support.readme import run_script, section_block


@pytest.mark.skipif(shutil.which("jq") is None, reason="the README's examples need jq, as they say")
async def test_the_readme_360_block_runs_as_written(api: Api, tmp_path: Path) -> None:
    lines = await run_script(api, section_block("360 feedback"), tmp_path)
    report = json.loads(lines[-1])
    # One peer is too few to show: named with the reason, never counted.
    assert (report["status"], report["raters"]["peer"]) == ("final", {"label": "Peers", "shown": False,
                                                                      "reason": "fewer_than_k"})
    assert "Final report" in (tmp_path / "report.html").read_text(encoding="utf-8")
