"""The live rubric catalogue: publishes checked files as immutable versions and reads them back.

The database is the source of truth for published versions, so every replica sees a version as
soon as any replica publishes it; frameworks and development activities come from this process's
last successful load of the files.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
from aiohttp import web

from service import db
from service.rubrics import store
from service.rubrics.domain.frameworks import Framework
from service.rubrics.domain.yaml_source import Issue
from service.rubrics.files import CheckedFiles, RubricChecker, RubricFile, relative_name
from service.web.problems import FieldError, ValidationFailed

T = TypeVar("T")
PURPOSES = {"recruitment": "a recruitment rubric", "appraisal_360": "a 360 feedback rubric",
            "engagement_survey": "an engagement survey rubric"}
OnPublish = Callable[[asyncpg.Connection, list["RubricVersion"]], Awaitable[None]]


@dataclass(frozen=True)
class RubricVersion:
    id: str
    version: int
    hash: str
    title: str
    purpose: str
    framework: str
    document: dict[str, Any]
    published_at: datetime
    _models: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def pin(self) -> dict[str, Any]:
        """The version's id, number and hash (one dict per version: not to be changed by the caller)."""
        return {"id": self.id, "version": self.version, "hash": self.hash}

    def model(self, make: Callable[[dict[str, Any]], T]) -> T:
        """The document as a feature's scoring reads it (`make`: e.g. PanelRubric.from_document), made once per
        version: published versions never change."""
        if make not in self._models:
            self._models[make] = make(self.document)
        return self._models[make]

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> RubricVersion:
        return cls(row["rubric_id"], row["version"], row["hash"], row["title"], row["purpose"], row["framework"],
                   row["document"], row["published_at"])


class ReloadRefused(Exception):
    """Some file is invalid or not publishable; nothing was changed."""

    def __init__(self, loaded: CheckedFiles, base: Path | None) -> None:
        self.loaded = loaded
        self.named_issues = [(relative_name(path, base), issue) for path, issue in loaded.issues]
        self.lines = [issue.render(name) for name, issue in self.named_issues]
        super().__init__(f"{len(self.lines)} problem(s) in the rubric files")


@dataclass
class Catalogue:
    directory: Path
    checker: RubricChecker
    frameworks: dict[str, Framework] = field(default_factory=dict)
    development: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _versions: dict[tuple[str, int], RubricVersion] = field(default_factory=dict)  # immutable, so cacheable

    async def reload(self, pool: asyncpg.Pool, on_publish: OnPublish | None = None) -> list[RubricVersion]:
        """Publish new versions from the files and return them; on any problem raise ReloadRefused, change nothing."""
        async with self._lock:
            loaded = await asyncio.to_thread(self.checker.load_directory, self.directory)
            if not loaded.valid:
                raise ReloadRefused(loaded, self.directory.parent)
            async with db.transaction(pool) as conn:
                published = await publish(conn, loaded, self.directory.parent)
                if on_publish is not None and published:
                    await on_publish(conn, published)
            self.adopt(loaded)
            return published

    def adopt(self, loaded: CheckedFiles) -> None:
        """Serve the frameworks and development catalogue of a load (at start-up, even of a refused one: its
        valid frameworks, beside the versions already published)."""
        self.frameworks, self.development = loaded.frameworks, loaded.development

    async def latest(self, conn: asyncpg.Connection | asyncpg.Pool, rubric_id: str) -> RubricVersion | None:
        row = await store.latest(conn, rubric_id)
        return RubricVersion.from_row(row) if row else None

    async def version(self, conn: asyncpg.Connection | asyncpg.Pool, rubric_id: str, version: int
                      ) -> RubricVersion | None:
        cached = self._versions.get((rubric_id, version))
        if cached is not None:
            return cached
        row = await store.one_version(conn, rubric_id, version)
        if row is None:
            return None
        found = self._versions[(rubric_id, version)] = RubricVersion.from_row(row)
        return found

    async def pinned(self, conn: asyncpg.Connection | asyncpg.Pool, pin: Mapping[str, Any]) -> RubricVersion:
        """The version a campaign, appraisal or survey row pins (its rubric_id, rubric_version, rubric_hash)."""
        version = await self.version(conn, pin["rubric_id"], pin["rubric_version"])
        if version is None or version.hash != pin["rubric_hash"]:
            raise RuntimeError(f"{pin['rubric_id']} version {pin['rubric_version']} is pinned but not published")
        return version

    async def requested(self, conn: asyncpg.Connection | asyncpg.Pool, body: Mapping[str, Any], purpose: str, *,
                        pointer: str = "") -> RubricVersion:
        """The published version a new campaign, appraisal or survey asks for in its body (`rubric_id`, and
        `rubric_version` or else the latest); 422 when it is not published or is a rubric of another purpose."""
        if "rubric_version" in body:
            version = await self.version(conn, body["rubric_id"], body["rubric_version"])
            missing = FieldError("this rubric has no published version with this number",
                                 pointer=f"{pointer}/rubric_version")
        else:
            version = await self.latest(conn, body["rubric_id"])
            missing = FieldError("no rubric with this id is published", pointer=f"{pointer}/rubric_id")
        if version is None:
            raise ValidationFailed("The rubric is not published", errors=[missing])
        if version.purpose != purpose:
            raise ValidationFailed(f"The rubric is not {PURPOSES[purpose]}", errors=[FieldError(
                f"is {PURPOSES[version.purpose]}; this needs {PURPOSES[purpose]}", pointer=f"{pointer}/rubric_id")])
        return version

    async def all_latest(self, conn: asyncpg.Connection | asyncpg.Pool) -> list[RubricVersion]:
        return [RubricVersion.from_row(r) for r in await store.all_latest(conn)]

    def check_text(self, raw: bytes) -> tuple[RubricFile | None, list[Issue]]:
        """Check one rubric sent over the API (against this process's frameworks)."""
        checked = self.checker.check_rubric(raw, self.frameworks)
        if not checked.valid:
            return None, checked.issues
        return self.checker.rubric_file(Path("rubric.yaml"), raw, checked), []


async def publish(conn: asyncpg.Connection, loaded: CheckedFiles, base: Path | None = None) -> list[RubricVersion]:
    """Insert every new (id, version); a published version with different content refuses the whole reload."""
    published: list[RubricVersion] = []
    conflicts: list[tuple[Path, Issue]] = []
    for rubric in loaded.rubrics:
        doc = rubric.document
        row = await store.publish(
            conn, rubric_id=rubric.id, version=rubric.version, hash=rubric.hash, purpose=doc["purpose"],
            framework=doc["framework"], title=doc["title"], written=rubric.written, document=doc,
            source=rubric.source)
        if row is not None:
            published.append(RubricVersion.from_row(row))
        elif await store.stored_hash(conn, rubric.id, rubric.version) != rubric.hash:
            conflicts.append((rubric.path, version_conflict(rubric)))
    if conflicts:
        loaded.issues.extend(conflicts)
        raise ReloadRefused(loaded, base)
    return published


def version_conflict(rubric: RubricFile) -> Issue:
    match = re.search(r"^version\s*:", rubric.source, re.MULTILINE)
    line = rubric.source.count("\n", 0, match.start()) + 1 if match else 1
    return Issue(line, 1, f"version {rubric.version} of {rubric.id} is already published with different content; "
                          "bump `version` to publish the change (the published version stays live)", "/version")


CATALOGUE = web.AppKey("catalogue", Catalogue)
