"""``successhub ops``: write the Prometheus stack's files from the environment registry, and run
the inspections by hand.

    successhub ops prometheus --dir /etc/successhub/prometheus --url https://successhub.example \\
        --token-for ops            # writes prometheus.yml, blackbox.yml, alertmanager.yml, rules, targets
    successhub ops targets --dir DIR
    successhub ops inspect [--week 2026-11-23]
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser("ops", help="public-cloud ops: Prometheus files, inspections")
    actions = parser.add_subparsers(dest="ops_action", metavar="ACTION")
    stack = actions.add_parser(
        "prometheus", help="write the configs for Prometheus, blackbox exporter, Alertmanager"
    )
    stack.add_argument("--dir", required=True, help="folder for the files (created)")
    stack.add_argument(
        "--url", default="http://127.0.0.1:8000", help="SuccessHub's base URL as Alertmanager sees it"
    )
    stack.add_argument("--blackbox", default="127.0.0.1:9115", help="blackbox exporter host:port")
    stack.add_argument("--alertmanager", default="127.0.0.1:9093", help="Alertmanager host:port")
    stack.add_argument("--token-file", help="file holding the bearer token (default: DIR/successhub.token)")
    stack.add_argument(
        "--token-for",
        metavar="USERNAME",
        help="issue a new API token for this ops engineer into the token file",
    )
    stack.add_argument("--fast", action="store_true", help="seconds-long intervals (tests and demos)")
    stack.set_defaults(handler=write_prometheus)
    targets = actions.add_parser("targets", help="write only the file-based service discovery targets")
    targets.add_argument("--dir", required=True)
    targets.set_defaults(handler=write_targets)
    inspect = actions.add_parser("inspect", help="produce the weekly inspection reports now")
    inspect.add_argument("--week", help="Monday of the week (default: last full week)")
    inspect.set_defaults(handler=inspect_now)
    parser.set_defaults(handler=lambda args: parser.print_help() or 0)


FAST = {
    "scrape_interval": "1s",
    "evaluation_interval": "1s",
    "unavailable_for": "0s",
    "slow_for": "0s",
    "probe_timeout": "1s",
    "group_wait": "1s",
    "group_interval": "1s",
    "repeat_interval": "1m",
    "resolve_timeout": "1m",
}


def write_prometheus(args) -> int:
    from successhub.cli import UsageError, setup_django

    setup_django()
    from successhub.accounts.models import Role, User
    from successhub.accounts.services import issue_api_token
    from successhub.ops.prometheus import StackConfig, write_stack

    directory = Path(args.dir)
    token_file = Path(args.token_file or directory / "successhub.token")
    if args.token_for:
        user = User.objects.filter(username=args.token_for).first()
        if user is None or user.role not in (Role.OPS_ENGINEER, Role.SERVICE_ADMIN):
            raise UsageError(f"{args.token_for!r} is not an ops engineer")
        token_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(issue_api_token(user, "Alertmanager"))
    config = StackConfig(
        successhub_url=args.url,
        blackbox_address=args.blackbox,
        alertmanager_address=args.alertmanager,
        token_file=str(token_file.resolve()),
        **(FAST if args.fast else {}),
    )
    for name, path in write_stack(directory, config).items():
        print(f"{name}\t{path}")
    return 0


def write_targets(args) -> int:
    from successhub.cli import setup_django

    setup_django()
    from successhub.ops.prometheus import write_targets as write

    print(write(args.dir))
    return 0


def inspect_now(args) -> int:
    from successhub.cli import UsageError, setup_django

    setup_django()
    from successhub.ops import services
    from successhub.ops.models import Environment

    if not args.week:
        print(f"{services.produce_weekly_inspections()} report(s) produced")
        return 0
    try:
        week = services.week_start_of(dt.date.fromisoformat(args.week))
    except ValueError:
        raise UsageError(f"--week is not a date: {args.week!r}") from None
    for environment in Environment.objects.filter(retired_at__isnull=True):
        report = services.produce_inspection_report(environment, week)
        print(
            f"{environment.code}\t{report.week_start}\tprobes={report.probes}\tavailability={report.availability}"
        )
    return 0
