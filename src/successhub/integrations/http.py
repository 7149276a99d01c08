"""One POST to a tool, with a timeout; the tool's answer is read by the tool's ``interpret``."""

from __future__ import annotations

import urllib.error
import urllib.request

from successhub.integrations.base import Prepared, Result, Tool


def send(tool: Tool, prepared: Prepared, timeout: float) -> Result:
    """POST ``prepared`` and let the tool read the answer. Errors never carry the URL (it holds the key)."""
    request = urllib.request.Request(
        prepared.url, data=prepared.body, headers=dict(prepared.headers), method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (staff-configured URL)
            return tool.interpret(response.status, response.read(65536))
    except urllib.error.HTTPError as exc:
        body = exc.read(65536) if exc.fp else b""
        result = tool.interpret(exc.code, body)
        return result if not result.ok else Result(False, exc.code, message=f"HTTP {exc.code}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return Result(False, None, message=f"{type(exc).__name__}: {reason}"[:300])
