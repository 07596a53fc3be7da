"""`python -m service serve` in a process of its own on a free loopback port, and delivery workers, for tests
that signal them, measure them or run several. Each one's log (stderr) is read as it is written, so a chatty
process never blocks on a full pipe."""

from __future__ import annotations

import asyncio
import os
import resource
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import aiohttp

from service.config import ROOT
from tests.conftest import SECRET_KEY


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    base: str
    proc: asyncio.subprocess.Process
    log: bytearray = field(default_factory=bytearray)
    reading: asyncio.Task[None] | None = None

    @property
    def port(self) -> int:
        return int(self.base.rsplit(":", 1)[1])

    async def exited(self, seconds: float = 30) -> bytes:
        """Wait for the process to end; its whole log."""
        await asyncio.wait_for(self.proc.wait(), seconds)
        if self.reading is not None:
            await self.reading
        return bytes(self.log)


async def _start(command: str, base: str, database_url: str, env: dict[str, str],
                 descriptors: int | None = None) -> Served:
    """`python -m service <command>` against the database, logging JSON to a pipe read as it fills; with
    `descriptors`, the process may open at most that many files and sockets."""
    environ = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY, "LOG_FORMAT": "json",
               "AUTH_FAILURES_PER_MINUTE": "0", **env}  # as in-process tests: refused requests come from one address
    def limit() -> None:
        if descriptors is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (descriptors, descriptors))

    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "service", command, cwd=ROOT, env=environ,
                                                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
                                                preexec_fn=limit)
    started = Served(base, proc)
    started.reading = asyncio.create_task(_read_log(started))
    return started


async def _read_log(served: Served) -> None:
    assert served.proc.stderr is not None
    while chunk := await served.proc.stderr.read(65536):
        served.log += chunk


@asynccontextmanager
async def served(database_url: str, *, descriptors: int | None = None, **env: str) -> AsyncIterator[Served]:
    """A ready web process (with `descriptors`, its limit of open files and sockets)."""
    port = free_port()
    server = await _start("serve", f"http://127.0.0.1:{port}", database_url, {"PORT": str(port), **env},
                          descriptors)
    proc = server.proc
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(200):
                try:
                    async with http.get(f"{server.base}/readyz") as r:
                        if r.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    pass
                if proc.returncode is not None:
                    raise AssertionError(f"the web process exited at start-up: {bytes(server.log)[-2000:]!r}")
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("the web process never became ready")
        yield server
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await server.reading


@asynccontextmanager
async def delivering(database_url: str, **env: str) -> AsyncIterator[Served]:
    """A delivery worker (`python -m service worker`), stopped with SIGTERM at the end (its exit checked)."""
    worker = await _start("worker", "", database_url, env)
    proc = worker.proc
    try:
        yield worker
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        log = await worker.exited()
        assert proc.returncode == 0, log[-2000:]
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await worker.reading


def rss_kib(pid: int) -> int:
    """The resident set size of a process, from /proc."""
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
