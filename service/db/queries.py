"""Named SQL queries kept in `.sql` files beside the code that runs them, read once at import.

A file holds blocks that each start with a `-- name: query_name` line; the lines up to the next such
line are the query (comments included, a trailing `;` dropped). Queries are never assembled from
pieces in Python: what runs is what the file says.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

_NAME = re.compile(r"^--\s*name:\s*([a-z_][a-z0-9_]*)\s*$")


class Queries(Mapping[str, str]):
    """The queries of one file, by name; an unknown name is a KeyError naming the file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._queries = parse(path.read_text(encoding="utf-8"), str(path))

    def __getitem__(self, name: str) -> str:
        try:
            return self._queries[name]
        except KeyError:
            raise KeyError(f"no query {name!r} in {self.path.name}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._queries)

    def __len__(self) -> int:
        return len(self._queries)


def parse(text: str, source: str = "<sql>") -> dict[str, str]:
    queries: dict[str, str] = {}
    name: str | None = None
    lines: list[str] = []

    def finish() -> None:
        if name is None:
            if any(text.strip() and not text.strip().startswith("--") for text in lines):
                raise ValueError(f"{source}: SQL before the first `-- name:` line")
            return
        body = "\n".join(lines).strip().rstrip(";").strip()
        if not body:
            raise ValueError(f"{source}: query {name!r} is empty")
        queries[name] = body

    for line in text.splitlines():
        match = _NAME.match(line.strip())
        if match:
            finish()
            name, lines = match.group(1), []
            if name in queries:
                raise ValueError(f"{source}: query {name!r} is defined twice")
        else:
            lines.append(line)
    finish()
    return queries


def load(module_file: str, filename: str = "queries.sql") -> Queries:
    """The queries of `filename` in the folder of the module `module_file` (pass `__file__`)."""
    return Queries(Path(module_file).with_name(filename))
