"""IM tools (云之家, 企业微信, 钉钉 …): one folder per tool, Healthchecks-style.

Each folder ``successhub/integrations/<code>/`` holds everything about one tool and nothing else:

- ``transport.py``: how a message goes out through the tool's group robot (body format, signing,
  @mentions, content length limit, the tool's rate limit, how to read the tool's answer);
- ``inbound.py``: how a callback from the tool is verified (signature, timestamp window,
  decryption) and parsed into an :class:`~successhub.integrations.base.InboundMessage`, and what
  the tool expects as the answer (``Tool.acknowledgement``);
- ``forms.py``: the setup form staff fill in to bind a group (webhook, secrets, callback keys);
- ``standin.py``: a loopback stand-in of the tool for tests and benches, which checks formats and
  signatures as the real service does and can forge the callbacks the tool would send;
- ``__init__.py``: ``TOOL``, the :class:`~successhub.integrations.base.Tool` tying these together.

Which tools a plan offers, and in which order, is catalog data (``im_tools`` of the
``dedicated_im_group`` item). Adding a tool (飞书, say) is one new folder here and one code in that
catalog list; nothing else names the tools.
"""

from __future__ import annotations

import importlib
from functools import cache

from successhub.integrations.base import Tool


class UnknownTool(LookupError):
    """No folder ``successhub/integrations/<code>/`` defines this tool."""


@cache
def tool(code: str) -> Tool:
    """The tool whose folder is ``successhub/integrations/<code>/``."""
    if not code or not code.isidentifier() or code in {"base", "secrets", "http", "standin", "forms"}:
        raise UnknownTool(code)
    try:
        module = importlib.import_module(f"successhub.integrations.{code}")
    except ModuleNotFoundError as exc:
        if exc.name == f"successhub.integrations.{code}":
            raise UnknownTool(code) from None
        raise
    found = getattr(module, "TOOL", None)
    if not isinstance(found, Tool):
        raise UnknownTool(code)
    return found


def offered_tools() -> list[Tool]:
    """The tools the catalog offers for dedicated groups, in the catalog's order (云之家 first)."""
    from successhub.catalog.loader import get_catalog

    item = get_catalog().any_definition("dedicated_im_group")
    codes = item.im_tools if item and item.im_tools else ()
    found = []
    for code in codes:
        try:
            found.append(tool(code))
        except UnknownTool:
            continue
    return found
