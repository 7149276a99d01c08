"""``successhub im``: IM tools from the command line.

``successhub im test-robot --tool {yunzhijia,wecom,dingtalk} --url URL [--secret S] --text TEXT`` sends
one message exactly as a group's transport would (same body, same signing), prints the HTTP status
and the tool's own result code, and exits 1 when the tool refuses it (2 for bad input).

``successhub im deliver [--until-empty] [--interval S]`` runs the robot outbox's sender in a loop
(a worker process of its own; the bench kills it with -9 and starts it again).
"""

from __future__ import annotations

import time


def register(subparsers) -> None:
    parser = subparsers.add_parser("im", help="IM tools: send a test message, run the robot outbox sender")
    actions = parser.add_subparsers(dest="im_action", metavar="ACTION")
    test = actions.add_parser(
        "test-robot", help="send one message through a group robot, as the transport does"
    )
    test.add_argument(
        "--tool", required=True, help="yunzhijia, wecom or dingtalk (a folder in successhub/integrations)"
    )
    test.add_argument("--url", required=True, help="the robot's webhook URL")
    test.add_argument("--secret", default="", help="the robot's signing secret (DingTalk 加签)")
    test.add_argument("--text", required=True, help="the message")
    test.set_defaults(handler=test_robot)
    deliver = actions.add_parser("deliver", help="send due robot messages from the outbox, in a loop")
    deliver.add_argument("--until-empty", action="store_true", help="stop when nothing is due or held")
    deliver.add_argument("--interval", type=float, default=1.0, help="seconds between sweeps when idle")
    deliver.add_argument("--batch", type=int, default=100)
    deliver.set_defaults(handler=run_deliver)
    parser.set_defaults(handler=lambda args: parser.print_help() or 0)


def test_robot(args) -> int:
    from successhub.cli import UsageError, setup_django

    setup_django()
    from successhub import integrations
    from successhub.notifications.robots import send_test_message

    try:
        integrations.tool(args.tool)
    except integrations.UnknownTool:
        raise UsageError(f"unknown tool {args.tool!r}") from None
    if not args.url.startswith(("http://", "https://")):
        raise UsageError("--url must be an http(s) URL")
    if not args.text.strip():
        raise UsageError("--text is empty")
    result = send_test_message(args.tool, args.url, args.secret, args.text)
    status = result.status if result.status is not None else "-"
    print(f"http_status\t{status}")
    print(f"tool_code\t{result.code or '-'}")
    print(f"tool_message\t{result.message or '-'}")
    print("ok" if result.ok else "refused")
    return 0 if result.ok else 1


def run_deliver(args) -> int:
    from successhub.cli import setup_django

    setup_django()
    from django.db import close_old_connections

    from successhub.notifications.models import RobotMessage
    from successhub.notifications.robots import deliver_due_robot_messages

    while True:
        sent = deliver_due_robot_messages(limit=args.batch)
        close_old_connections()
        if sent:
            continue
        if (
            args.until_empty
            and not RobotMessage.objects.filter(delivered_at__isnull=True, failed_at__isnull=True).exists()
        ):
            return 0
        time.sleep(args.interval)
