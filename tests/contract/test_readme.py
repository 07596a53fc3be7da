"""The README and the contract name only what is in the repository: every path they cite exists, and
no document outside it is referred to."""

from __future__ import annotations

import re

from service.config import ROOT

TEXTS = {name: (ROOT / name).read_text(encoding="utf-8") for name in ("README.md", "openapi.yaml", "bench/README.md",
                                                                       "rubrics/README.md", "docs/scale-out.md")}
CITED_PATH = re.compile(r"`((?:service|schemas|rubrics|migrations|tests|bench|docs)/[\w./-]*\w)`")


def test_every_cited_path_exists() -> None:
    missing = [(name, path) for name, text in TEXTS.items() for path in CITED_PATH.findall(text)
               if not any((ROOT / path).exists() for path in (path, path.split(":")[0]))]
    assert missing == []


def test_no_document_outside_the_repository_is_cited() -> None:
    cited = {(name, doc) for name, text in TEXTS.items() for doc in re.findall(r"[\w./-]+\.md\b", text)}
    assert [c for c in cited if not any(p.name == c[1].rsplit("/", 1)[-1] for p in ROOT.rglob("*.md")
                                        if ".venv" not in p.parts)] == []
