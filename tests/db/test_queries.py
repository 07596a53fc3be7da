"""The named-query loader: blocks by `-- name:`, comments kept, malformed files refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.db import queries

TEXT = """\
-- What this file holds (a comment before the first name is allowed).

-- name: first
-- Why the first query is written so.
SELECT 1
  FROM t; -- trailing remark

-- name: second
UPDATE t SET x = $1;
"""


def test_each_name_holds_the_lines_up_to_the_next_name_without_the_final_semicolon() -> None:
    parsed = queries.parse(TEXT)
    assert list(parsed) == ["first", "second"]
    assert parsed["second"] == "UPDATE t SET x = $1"


def test_comments_stay_in_the_query() -> None:
    first = queries.parse(TEXT)["first"]
    assert first.startswith("-- Why the first query is written so.\nSELECT 1\n")
    assert "-- trailing remark" in first


def test_a_name_defined_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="'first' is defined twice"):
        queries.parse("-- name: first\nSELECT 1;\n-- name: first\nSELECT 2;\n", "twice.sql")


def test_sql_before_the_first_name_is_refused() -> None:
    with pytest.raises(ValueError, match="before the first"):
        queries.parse("SELECT 0;\n-- name: first\nSELECT 1;\n", "orphan.sql")


def test_an_empty_query_is_refused() -> None:
    with pytest.raises(ValueError, match="'first' is empty"):
        queries.parse("-- name: first\n\n;\n-- name: second\nSELECT 1\n")


def test_an_unknown_name_is_a_key_error_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "things.sql").write_text(TEXT, encoding="utf-8")
    loaded = queries.load(str(tmp_path / "things.py"), "things.sql")
    assert loaded["second"] == "UPDATE t SET x = $1" and len(loaded) == 2
    with pytest.raises(KeyError, match=r"no query 'third' in things\.sql"):
        loaded["third"]


def test_a_module_reads_queries_sql_beside_it(tmp_path: Path) -> None:
    (tmp_path / "queries.sql").write_text("-- name: only\nSELECT 1;\n", encoding="utf-8")
    assert dict(queries.load(str(tmp_path / "store.py"))) == {"only": "SELECT 1"}
