"""SIGHUP to a running `serve` process reloads the rubrics without downtime."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from service.config import ROOT
from tests.conftest import SECRET_KEY


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def wait_for(predicate, seconds: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        if await predicate():
            return
        await asyncio.sleep(0.2)
    raise AssertionError("condition not met in time")


async def test_sighup_publishes_a_bumped_version_while_serving(database_url: str, make_token, tmp_path: Path) -> None:
    rubrics = tmp_path / "rubrics"
    shutil.copytree(ROOT / "rubrics", rubrics)
    port = free_port()
    token = await make_token(["rubrics:read"])
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY,
           "PORT": str(port), "RUBRICS_DIR": str(rubrics),
           "LOG_FORMAT": "json"}
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "service", "serve", cwd=ROOT, env=env,
                                                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}"}
    try:
        async with aiohttp.ClientSession() as http:
            async def version() -> int | None:
                try:
                    async with http.get(f"{base}/v1/rubrics/mlcf-360", headers=headers) as r:
                        return (await r.json())["version"] if r.status == 200 else None
                except aiohttp.ClientConnectionError:
                    return None

            async def is_v1() -> bool:
                return await version() == 1

            await wait_for(is_v1)
            path = rubrics / "mlcf-360.yaml"
            path.write_text(path.read_text().replace("version: 1\n", "version: 2\n", 1))
            proc.send_signal(signal.SIGHUP)

            async def is_v2() -> bool:
                return await version() == 2

            await wait_for(is_v2)
            async with http.get(f"{base}/v1/rubrics/mlcf-360/versions/1", headers=headers) as r:
                assert r.status == 200
    finally:
        proc.terminate()
        assert await asyncio.wait_for(proc.wait(), 30) == 0
