"""``successhub hotline simulate --phone NUMBER``: walk the smart voice hotline in the terminal.

Each line you type is one turn: digits (``1``, ``0``, ``202603010007#``) go in as DTMF, anything
else as recognised speech; an empty line is silence; ``q`` or end of input hangs up. It calls the
same turn handler as ``POST /hotline/ivr/turn``, so what you hear here is what a caller hears.
"""

from __future__ import annotations

import re
import sys
import uuid

from successhub.cli import UsageError, setup_django


def register(subparsers) -> None:
    parser = subparsers.add_parser("hotline", help="the hotline: simulate a call to the smart voice hotline")
    sub = parser.add_subparsers(dest="hotline_command", metavar="ACTION", required=True)
    simulate = sub.add_parser("simulate", help="walk the IVR menu in the terminal, typing digits or text")
    simulate.add_argument(
        "--phone", required=True, help="the caller's number (as the telephone system gives it)"
    )
    simulate.set_defaults(handler=simulate_command)


def _show(actions: list[dict], out) -> bool:
    """Print what the platform would do; return True when the call is over."""
    for action in actions:
        if "say" in action:
            print(f"🔊 {action['say']['text']}", file=out)
        elif "gather" in action:
            spec = action["gather"]
            if spec.get("prompt"):
                print(f"🔊 {spec['prompt']}", file=out)
            print(f"   [{'/'.join(spec['input'])}]", file=out)
        elif "transfer" in action:
            print(f"☎  转接：{action['transfer']['queue']}（{action['transfer']['reason']}）", file=out)
            return True
        elif "hangup" in action:
            print("☎  挂机", file=out)
            return True
    return False


def simulate_command(args) -> int:
    setup_django()
    from successhub.hotline.errors import CtiRejected
    from successhub.hotline.ivr import Turn, handle_turn, parse_turn

    if not re.fullmatch(r"\+?[0-9\- ]{3,30}", args.phone or ""):
        raise UsageError("--phone must be a telephone number")
    call_id = f"sim-{uuid.uuid4().hex[:12]}"
    out = sys.stdout
    turn = 0
    response = handle_turn(
        Turn(call_id, parse_turn({"call_id": call_id, "caller": args.phone}).caller, 0, event="start")
    )
    if _show(response["actions"], out):
        return 0
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            print("> ", end="", file=out, flush=True)
        line = sys.stdin.readline()
        turn += 1
        if not line or line.strip().lower() == "q":
            handle_turn(Turn(call_id, "", turn, event="hangup"))
            print("☎  挂机", file=out)
            return 0
        text = line.strip()
        body = {"call_id": call_id, "caller": args.phone, "turn": turn}
        if not text:
            body["event"] = "silence"
        elif re.fullmatch(r"[0-9*#]+", text):
            body["digits"] = text
        else:
            body["speech"] = text
        try:
            response = handle_turn(parse_turn(body))
        except CtiRejected as exc:
            print(f"! {exc.message_en}", file=sys.stderr)
            continue
        if _show(response["actions"], out):
            return 0
