"""Running the README's shell examples as written, against a test server."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

from service.config import ROOT
from tests.support.api import Api

README = (ROOT / "README.md").read_text(encoding="utf-8")
QUICK_START = re.compile(r"<!-- quick start -->\n```sh\n(.*?)```", re.S)


def section_block(heading: str) -> str:
    """The first shell block under the README's `## heading`, after the quick start's first two lines (which
    set API, KEY, H and J)."""
    setup = QUICK_START.search(README)
    block = re.search(rf"## {re.escape(heading)}\n.*?```sh\n(.*?)```", README, re.S)
    assert setup and block, f"README has no quick start or no block under {heading!r}"
    return "".join(setup.group(1).splitlines(keepends=True)[:2]) + block.group(1)


async def run_script(api: Api, script: str, cwd: Path | None = None) -> list[str]:
    """Run a shell script with API and KEY set for the test server; its output lines (fails on any error)."""
    proc = await asyncio.create_subprocess_exec(
        "bash", "-euo", "pipefail", "-c", script, cwd=cwd, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "API": str(api.client.make_url("")).rstrip("/"), "KEY": api.token or ""})
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, err.decode()
    return out.decode().splitlines()
