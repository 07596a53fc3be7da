"""The command-line interface (`python -m service`): one module per command group; each command reads the
configuration once and reports plainly."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from service.cli import distribute, retention, rubrics, serve, subjects, tenants, webhooks
from service.cli.support import CommandError
from service.config import Config, ConfigError
from service.db import migrate
from service.log import configure_logging

GROUPS = (serve, distribute, tenants, rubrics, webhooks, retention, subjects)
COMMANDS: dict[str, Callable[[Config, argparse.Namespace], int]] = {
    name: command for group in GROUPS for name, command in group.COMMANDS.items()}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m service", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        group.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = Config.from_env()
        configure_logging(config.log_level, config.log_format, cache_loggers=args.command in ("serve", "dev"))
        return COMMANDS[args.command](config, args) or 0
    except (ConfigError, CommandError, migrate.MigrationError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
