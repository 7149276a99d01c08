"""The ``successhub`` console command.

Each subcommand lives in ``successhub.commands.<name>`` and exposes
``register(subparsers)``, which adds its parser and sets ``handler`` as the
function to call with the parsed arguments. A handler returns the exit code.
Anything not known here is passed to Django's management commands
(``successhub migrate``, ``successhub createsuperuser``, ...).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

COMMAND_MODULES = [
    "serve",
    "demo",
    "worker",
    "terms",
    "calendar",
    "assistant",
    "reindex",
    "jobs",
    "api_token",
    "ops",
    "hotline",
    "report",
    "inspect",
    "backup",
    "license",
    "im",
]


class UsageError(Exception):
    """Bad input on the command line or in an input file; exit 2 with one line."""


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "successhub.settings")
    import django

    django.setup()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="successhub", description="SuccessHub 客户成功服务平台")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"successhub.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"successhub.commands.{name}":
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    known = set(parser._subparsers._group_actions[0].choices) if parser._subparsers else set()
    if argv and argv[0] not in known and not argv[0].startswith("-"):
        setup_django()
        from django.core.management import execute_from_command_line

        execute_from_command_line(["successhub", *argv])
        return 0
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 0
    try:
        return int(args.handler(args) or 0)
    except UsageError as exc:
        print(f"successhub: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
