"""The migration runner's rules, without a database."""

from __future__ import annotations

import pytest

from service.db import migrate


def test_shipped_migrations_are_numbered_and_contiguous() -> None:
    found = migrate.discover()
    assert [m.version for m in found] == list(range(1, len(found) + 1))


def test_changed_applied_migration_is_an_error() -> None:
    first = migrate.Migration(1, "initial", "CREATE TABLE a ();")
    with pytest.raises(migrate.MigrationError, match="changed after it was applied"):
        migrate.check([first], {1: "0" * 64})


def test_applied_migration_without_file_is_an_error() -> None:
    with pytest.raises(migrate.MigrationError, match="file is missing"):
        migrate.check([], {3: "abc"})


def test_pending_are_those_not_applied() -> None:
    one = migrate.Migration(1, "a", "SELECT 1")
    two = migrate.Migration(2, "b", "SELECT 2")
    assert migrate.check([one, two], {1: one.checksum}) == [two]


def test_badly_named_file_is_refused(tmp_path) -> None:
    (tmp_path / "1_init.sql").write_text("SELECT 1")
    with pytest.raises(migrate.MigrationError, match="NNNN_snake_case"):
        migrate.discover(tmp_path)
