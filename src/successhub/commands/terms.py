"""``successhub terms evaluate FILE``: why was this customer refused? What is left?

It runs the product's own engine, catalog and calendar on a JSON scenario.
"""

from __future__ import annotations

import json
import sys

from successhub.cli import UsageError, setup_django


def register(subparsers) -> None:
    parser = subparsers.add_parser("terms", help="evaluate the service terms on a scenario")
    sub = parser.add_subparsers(dest="terms_command", metavar="ACTION", required=True)
    evaluate = sub.add_parser("evaluate", help="evaluate a JSON scenario (FILE or - for stdin)")
    evaluate.add_argument("file", metavar="FILE")
    evaluate.add_argument(
        "--language", choices=["zh", "en"], default="zh", help="language of the explanations"
    )
    evaluate.set_defaults(handler=evaluate_command)


def read_input(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None


def evaluate_command(args) -> int:
    text = read_input(args.file)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{args.file} is not valid JSON (line {exc.lineno}: {exc.msg})") from None
    setup_django()
    from successhub.catalog.loader import get_catalog
    from successhub.contracts.selectors import engine
    from successhub.core.entitlements import ListUsage
    from successhub.core.scenario import ScenarioError, decision_to_json, format_instant, parse_scenario

    labels = get_catalog().labels
    try:
        at, customer, usage, request = parse_scenario(
            document, tuple(labels.products), tuple(labels.channels)
        )
    except ScenarioError as exc:
        raise UsageError(str(exc)) from None
    decisions = engine().evaluate(customer, at, ListUsage(usage), request)
    output = {"at": format_instant(at), "decisions": [decision_to_json(d, args.language) for d in decisions]}
    print(json.dumps(output, ensure_ascii=False))
    return 0
