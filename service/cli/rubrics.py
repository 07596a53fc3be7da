"""`rubrics validate`: rubric files checked before they are committed or reloaded."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from service.config import Config
from service.rubrics.files import RubricChecker, validate_paths
from service.web.validation import SchemaRegistry


def add_commands(sub: Any) -> None:
    rubrics_p = sub.add_parser("rubrics", help="rubric files").add_subparsers(dest="action", required=True)
    rv = rubrics_p.add_parser("validate", help="check rubric files; prints file:line:col: message per problem")
    rv.add_argument("paths", nargs="*", type=Path,
                    help="rubric directories or files (default: RUBRICS_DIR); frameworks come from the directory")


def rubrics(config: Config, args: argparse.Namespace) -> int:
    """`rubrics validate`: exit 0 when every file is valid, 1 with one line per problem otherwise."""
    checker = RubricChecker(SchemaRegistry())
    loaded = validate_paths(checker, args.paths or [config.rubrics_dir], config.rubrics_dir)
    for line in loaded.lines(Path.cwd()):
        print(line)
    if not loaded.valid:
        print(f"{len(loaded.issues)} problem(s)", file=sys.stderr)
        return 1
    print(f"ok: {len(loaded.rubrics)} rubric(s), {len(loaded.frameworks)} framework(s) valid", file=sys.stderr)
    return 0


COMMANDS = {"rubrics": rubrics}
