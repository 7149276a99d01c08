"""Alertmanager's webhook payload (version 4), parsed and checked into plain values.

The real format (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config):
``{"version": "4", "groupKey", "truncatedAlerts", "status", "receiver", "groupLabels",
"commonLabels", "commonAnnotations", "externalURL", "alerts": [{"status", "labels", "annotations",
"startsAt", "endsAt", "generatorURL", "fingerprint"}]}``. Times are RFC 3339 with up to nanoseconds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass

from successhub.ops.errors import MalformedNotification

ENVIRONMENT_LABEL = "successhub_environment"
_RFC3339 = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_ZERO_YEAR = 1


@dataclass(frozen=True)
class Alert:
    status: str  # "firing" or "resolved"
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    fingerprint: str

    @property
    def environment_code(self) -> str:
        return self.labels.get(ENVIRONMENT_LABEL, "")

    @property
    def alertname(self) -> str:
        return self.labels.get("alertname", "")


@dataclass(frozen=True)
class Notification:
    status: str
    group_key: str
    alerts: tuple[Alert, ...]


def parse_time(value: object, where: str) -> dt.datetime | None:
    """RFC 3339 (nanoseconds allowed); Go's zero time ``0001-01-01T00:00:00Z`` means "not set"."""
    if not isinstance(value, str):
        raise MalformedNotification("malformed", f"{where} 不是 RFC 3339 时间。")
    match = _RFC3339.match(value.strip())
    if not match:
        raise MalformedNotification("malformed", f"{where} 不是 RFC 3339 时间：{value[:40]!r}")
    base, fraction, zone = match.groups()
    fraction = (fraction or ".0")[:7]  # microseconds at most
    at = dt.datetime.fromisoformat(f"{base}{fraction}{'+00:00' if zone == 'Z' else zone}")
    if at.year == _ZERO_YEAR:
        return None
    return at.astimezone(dt.UTC)


def _str_map(value: object, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise MalformedNotification("malformed", f"{where} 必须是字符串到字符串的映射。")
    return value


def _fingerprint(labels: dict[str, str]) -> str:
    # Alertmanager always sends one; a hand-made payload without it is keyed by its label set.
    return hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:16]


def parse(raw: bytes | str) -> Notification:
    """The notification, or ``MalformedNotification`` naming what is wrong."""
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise MalformedNotification("malformed", "请求体不是 JSON。") from None
    if not isinstance(payload, dict):
        raise MalformedNotification("malformed", "请求体必须是 JSON 对象。")
    if str(payload.get("version")) != "4":
        raise MalformedNotification("unsupported_version", "只接受 Alertmanager webhook 第 4 版的通知。")
    alerts = payload.get("alerts")
    if not isinstance(alerts, list):
        raise MalformedNotification("malformed", "alerts 必须是列表。")
    parsed = []
    for index, item in enumerate(alerts):
        where = f"alerts[{index}]"
        if not isinstance(item, dict):
            raise MalformedNotification("malformed", f"{where} 必须是对象。")
        status = item.get("status")
        if status not in ("firing", "resolved"):
            raise MalformedNotification("malformed", f"{where}.status 只能是 firing 或 resolved。")
        labels = _str_map(item.get("labels"), f"{where}.labels")
        annotations = _str_map(item.get("annotations") or {}, f"{where}.annotations")
        starts_at = parse_time(item.get("startsAt"), f"{where}.startsAt")
        if starts_at is None:
            raise MalformedNotification("malformed", f"{where}.startsAt 不能为空。")
        ends_at = parse_time(item["endsAt"], f"{where}.endsAt") if item.get("endsAt") else None
        fingerprint = item.get("fingerprint") or _fingerprint(labels)
        if not isinstance(fingerprint, str) or len(fingerprint) > 64:
            raise MalformedNotification("malformed", f"{where}.fingerprint 无效。")
        parsed.append(Alert(status, labels, annotations, starts_at, ends_at, fingerprint))
    group_key = payload.get("groupKey") if isinstance(payload.get("groupKey"), str) else ""
    status = payload.get("status") if isinstance(payload.get("status"), str) else ""
    return Notification(status=status, group_key=group_key, alerts=tuple(parsed))
