"""``successhub demo``: migrate and load the demo data (idempotent), then print who can log in."""

from __future__ import annotations

import importlib


def register(subparsers) -> None:
    parser = subparsers.add_parser("demo", help="load demo data and print the demo logins")
    parser.add_argument("--no-migrate", action="store_true")
    parser.set_defaults(handler=demo)


def demo(args) -> int:
    from successhub.cli import setup_django

    setup_django()
    from django.core.management import call_command
    from django.db import transaction

    from successhub.demo import DEMO_PASSWORD, LOADERS

    if not args.no_migrate:
        call_command("migrate", interactive=False, verbosity=0)
    logins: list[str] = []
    for path in LOADERS:
        module = importlib.import_module(path)
        with transaction.atomic():
            logins += module.load() or []
    print("Demo data loaded. Log in with password", DEMO_PASSWORD, "as:")
    for line in logins:
        print("  ", line)
    return 0
