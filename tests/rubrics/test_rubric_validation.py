"""Rubric checking on a corpus of broken files: every problem named with its exact line, column and pointer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from service.config import ROOT
from service.rubrics.domain.yaml_source import MAX_BYTES
from service.rubrics.files import CheckedFiles, RubricChecker, validate_paths
from service.web.validation import SchemaRegistry

BROKEN = ROOT / "tests" / "data" / "broken"
VALID = ROOT / "tests" / "data" / "valid-mini.yaml"
EXPECT = re.compile(rb"^# expect: (\d+):(\d+) (\S*) ?\| (.+)$")


@pytest.fixture(scope="module")
def checker() -> RubricChecker:
    return RubricChecker(SchemaRegistry())


def check(checker: RubricChecker, path: Path) -> CheckedFiles:
    return validate_paths(checker, [path], ROOT / "rubrics")


def test_the_base_of_the_corpus_is_valid(checker: RubricChecker) -> None:
    loaded = check(checker, VALID)
    assert loaded.lines() == []
    assert [r.id for r in loaded.rubrics] == ["mini-interview"]


def test_the_corpus_covers_at_least_fifteen_kinds_of_mistake() -> None:
    assert len(list(BROKEN.glob("*.yaml"))) >= 15


@pytest.mark.parametrize("path", sorted(BROKEN.glob("*.yaml")), ids=lambda p: p.stem)
def test_broken_file_is_reported_at_the_exact_place(checker: RubricChecker, path: Path) -> None:
    line, column, pointer, message = EXPECT.match(path.read_bytes().splitlines()[0]).groups()
    loaded = check(checker, path)
    assert not loaded.valid
    found = [(i.line, i.column, i.pointer, i.message) for _, i in loaded.issues]
    expected = (int(line), int(column), pointer.decode())
    assert any(f[:3] == expected and message.decode() in f[3] for f in found), found


def test_every_problem_is_reported_at_once(checker: RubricChecker, tmp_path: Path) -> None:
    text = VALID.read_text().replace("version: 1", "version: 0").replace("weight: 1", "weight: -2")
    text = text.replace("framework: mlcf", "framework: mlcf\nextra_field: 1")
    path = tmp_path / "many.yaml"
    path.write_text(text)
    pointers = sorted(i.pointer for _, i in check(checker, path).issues)
    assert pointers == ["/criteria/0/weight", "/extra_field", "/version"]


def test_oversize_file_is_refused_without_parsing(checker: RubricChecker, tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(VALID.read_bytes() + b"#" * MAX_BYTES)
    [(_, issue)] = check(checker, path).issues
    assert (issue.line, issue.column) == (1, 1)
    assert f"the limit is {MAX_BYTES}" in issue.message


def test_deep_alias_bomb_is_refused_fast(checker: RubricChecker, tmp_path: Path) -> None:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    lines += [f"a{n}: &a{n} [" + ",".join([f"*a{n - 1}"] * 10) + "]" for n in range(1, 30)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines))
    issues = check(checker, path).issues
    assert issues
    assert all("not allowed" in i.message for _, i in issues)


def test_cli_prints_file_line_col_and_exits_nonzero(tmp_path: Path) -> None:
    import subprocess
    import sys
    bad = BROKEN / "05-station-criterion-missing.yaml"
    proc = subprocess.run([sys.executable, "-m", "service", "rubrics", "validate", str(bad)], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        "tests/data/broken/05-station-criterion-missing.yaml:22:35: criterion 'empathy' is not defined in criteria"
        " (at /stations/0/criteria/2)"]


def test_cli_passes_on_every_shipped_rubric() -> None:
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, "-m", "service", "rubrics", "validate", "rubrics/"], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout == ""
