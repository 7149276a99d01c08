"""``successhub inspect --org CODE --out bundle.json``: the read-only system-inspection agent.

The agent itself is ``successhub/success/inspect_agent.py``, standard library only: copied alone to
a server it runs as ``python3 inspect_agent.py`` with the same options, without SuccessHub or Django.
"""

from __future__ import annotations

from successhub.success import inspect_agent


def register(subparsers) -> None:
    parser = subparsers.add_parser("inspect", help="collect a system-inspection bundle (read-only)")
    inspect_agent.build_parser(parser)
    parser.set_defaults(handler=inspect_agent.run)
