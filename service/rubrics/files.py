"""Reads the rubric directory (frameworks/, development/, *.yaml) and checks every file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.rubrics.domain.checks import semantic_issues
from service.rubrics.domain.frameworks import Framework, framework_issues
from service.rubrics.domain.model import content_hash, with_defaults
from service.rubrics.domain.source_check import Checked, check_source
from service.rubrics.domain.yaml_source import MAX_BYTES, Issue
from service.web.validation import SchemaRegistry


@dataclass(frozen=True)
class RubricFile:
    path: Path
    source: str
    written: dict[str, Any]
    document: dict[str, Any]  # defaults filled in
    hash: str

    @property
    def id(self) -> str:
        return self.document["id"]

    @property
    def version(self) -> int:
        return self.document["version"]


@dataclass
class CheckedFiles:
    """What was read from rubric files: frameworks, development activities, rubrics, and every issue found."""

    frameworks: dict[str, Framework] = field(default_factory=dict)
    development: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    rubrics: list[RubricFile] = field(default_factory=list)
    issues: list[tuple[Path, Issue]] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.issues

    def lines(self, relative_to: Path | None = None) -> list[str]:
        return [issue.render(relative_name(path, relative_to)) for path, issue in self.issues]


def relative_name(path: Path, base: Path | None) -> str:
    try:
        return str(path.relative_to(base)) if base else str(path)
    except ValueError:
        return str(path)


def _read(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(MAX_BYTES + 1)


class RubricChecker:
    """Checks rubric, framework and development-catalogue files against schemas/ and the semantic rules."""

    def __init__(self, schemas: SchemaRegistry) -> None:
        self.rubric = schemas.validator("rubric")
        self.framework = schemas.validator("framework")
        self.development = schemas.validator("development-catalogue")

    def load_frameworks(self, directory: Path, out: CheckedFiles) -> None:
        # mlcf.yaml first: the other frameworks' crosswalks are checked against its elements.
        paths = sorted(directory.glob("*.yaml"), key=lambda p: (p.stem != "mlcf", p.name))
        for path in paths:
            checked = self.check_framework(_read(path), out.frameworks)
            out.issues += [(path, i) for i in checked.issues]
            if checked.valid and checked.document is not None:
                out.frameworks[checked.document["id"]] = Framework.from_document(checked.document)
        if "mlcf" not in out.frameworks and not out.issues:
            out.issues.append((directory, Issue(1, 1, "no valid mlcf framework file (frameworks/mlcf.yaml)")))

    def check_framework(self, raw: bytes, frameworks: dict[str, Framework]) -> Checked:
        """A framework file (crosswalks checked against the mlcf framework among `frameworks`, if loaded)."""
        return check_source(raw, self.framework, lambda d: framework_issues(d, frameworks.get("mlcf")))

    def check_development(self, raw: bytes, frameworks: dict[str, Framework]) -> Checked:
        mlcf = frameworks.get("mlcf")

        def semantic(doc: dict[str, Any]) -> list[tuple[str, str]]:
            if mlcf is None:
                return []
            issues = [(f"/elements/{e}", f"{e} is not an MLCF element") for e in doc["elements"]
                      if e not in mlcf.elements]
            missing = sorted(set(mlcf.elements) - set(doc["elements"]))
            if missing:
                issues.append(("/elements", f"no activities for element(s) {', '.join(missing)}"))
            return issues
        return check_source(raw, self.development, semantic)

    def check_rubric(self, raw: bytes, frameworks: dict[str, Framework]) -> Checked:
        def semantic(doc: dict[str, Any]) -> list[tuple[str, str]]:
            framework = frameworks.get(doc["framework"])
            if framework is None:
                return [("/framework", f"framework {doc['framework']!r} is not loaded")]
            return semantic_issues(with_defaults(doc), framework)
        return check_source(raw, self.rubric, semantic)

    def rubric_file(self, path: Path, raw: bytes, checked: Checked) -> RubricFile:
        assert checked.document is not None
        return RubricFile(path=path, source=raw.decode("utf-8-sig"), written=checked.document,
                          document=with_defaults(checked.document), hash=content_hash(checked.document))

    def load_directory(self, directory: Path) -> CheckedFiles:
        """Every file of a rubric directory, checked; `issues` is empty only if all are valid."""
        out = CheckedFiles()
        if not directory.is_dir():
            out.issues.append((directory, Issue(1, 1, "not a directory")))
            return out
        self.load_frameworks(directory / "frameworks", out)
        for path in sorted((directory / "development").glob("*.yaml")):
            checked = self.check_development(_read(path), out.frameworks)
            out.issues += [(path, i) for i in checked.issues]
            if checked.valid and checked.document is not None:
                out.development.update(checked.document["elements"])
        for path in sorted(directory.glob("*.yaml")):
            self.add_rubric(path, out)
        return out

    def add_rubric(self, path: Path, out: CheckedFiles) -> None:
        raw = _read(path)
        checked = self.check_rubric(raw, out.frameworks)
        out.issues += [(path, i) for i in checked.issues]
        if not checked.valid:
            return
        rubric = self.rubric_file(path, raw, checked)
        twin = next((r for r in out.rubrics if r.id == rubric.id), None)
        if twin is not None:
            out.issues.append((path, Issue(1, 1, f"rubric id {rubric.id!r} is also used by {twin.path.name}", "/id")))
            return
        out.rubrics.append(rubric)


def validate_paths(checker: RubricChecker, paths: list[Path], default_dir: Path) -> CheckedFiles:
    """Check directories (with their own frameworks/) and single files (against default_dir's frameworks)."""
    out = CheckedFiles()
    files = [p for p in paths if not p.is_dir()]
    for directory in (p for p in paths if p.is_dir()):
        found = checker.load_directory(directory)
        out.issues += found.issues
        out.rubrics += found.rubrics
        out.frameworks.update(found.frameworks)
    if files:
        if not out.frameworks:
            checker.load_frameworks(default_dir / "frameworks", out)
        for path in files:
            if not path.exists():
                out.issues.append((path, Issue(1, 1, "no such file")))
            elif path.parent.name == "frameworks":
                out.issues += [(path, i) for i in checker.check_framework(_read(path), out.frameworks).issues]
            elif path.parent.name == "development":
                out.issues += [(path, i) for i in checker.check_development(_read(path), out.frameworks).issues]
            else:
                checker.add_rubric(path, out)
    return out
