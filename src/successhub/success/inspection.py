"""The system inspection report (系统巡检报告): validating an uploaded bundle and the rules over it.

A bundle is refused whole (nothing kept) when it is too large, not JSON, not of our schema, from
another organisation, or shaped wrongly. Only the known sections and fields are kept, so nothing
the agent did not mean to send is stored.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.utils.translation import gettext, gettext_noop

from successhub.success.errors import BundleRejected
from successhub.success.inspect_agent import SCHEMA

DEFAULT_MAX_BYTES = 1024 * 1024

# Severities, most serious first.
CRITICAL, WARNING, INFO = "critical", "warning", "info"
SEVERITIES = (CRITICAL, WARNING, INFO)

# Thresholds of the inspection rules.
DISK_WARNING_PERCENT = 80
DISK_CRITICAL_PERCENT = 90
MEMORY_AVAILABLE_WARNING_PERCENT = 10
ERROR_LINES_WARNING = 100
LOAD_PER_CPU_WARNING = 2.0


@dataclass(frozen=True)
class Finding:
    """One problem found. ``title``, ``detail`` and ``recommendation`` are msgids (Chinese, English in the
    app's catalogue) that ``fields`` fill; stored as their Chinese text plus the msgids and fields, so a
    page writes them in its reader's language (``text``)."""

    rule: str
    dimension: str
    severity: str
    title: str
    detail: str
    recommendation: str
    count: int = 0
    fields: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        data = asdict(self)
        data.update(
            {
                "title": self.title % self.fields,
                "detail": self.detail % self.fields if self.detail else "",
                "title_id": self.title,
                "detail_id": self.detail,
            }
        )
        return data


def text(finding: dict, key: str) -> str:
    """A stored finding's ``title``, ``detail`` or ``recommendation`` in the active language (a finding
    stored before the msgids were kept is shown as it was stored)."""
    msgid = finding.get(f"{key}_id") if key != "recommendation" else finding.get(key)
    if not msgid:
        return finding.get(key) or ""
    try:
        return gettext(msgid) % finding.get("fields", {}) if key != "recommendation" else gettext(msgid)
    except (KeyError, TypeError, ValueError):
        return finding.get(key) or ""


def max_bytes() -> int:
    return int(getattr(settings, "SUCCESS_INSPECTION_MAX_BYTES", DEFAULT_MAX_BYTES))


def _reject(code: str, zh: str, en: str) -> BundleRejected:
    return BundleRejected(zh, en, code=code)


def _int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _str(value, limit: int = 200) -> str | None:
    return value[:limit] if isinstance(value, str) else None


def parse_bundle(raw: bytes, organisation_code: str) -> dict:
    """The bundle's known fields, or ``BundleRejected`` with a machine code."""
    limit = max_bytes()
    if len(raw) > limit:
        raise _reject(
            "bundle_too_large",
            f"巡检数据文件过大（{len(raw) // 1024} KB），上限为 {limit // 1024} KB。请使用 SuccessHub 巡检工具生成的原始文件。",
            f"The bundle is too large ({len(raw) // 1024} KB; the limit is {limit // 1024} KB).",
        )
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _reject(
            "bundle_malformed", "巡检数据不是有效的 JSON 文件。", "The bundle is not valid JSON."
        ) from None
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise _reject(
            "bundle_malformed",
            "这不是 SuccessHub 巡检工具生成的数据文件。",
            "This is not a SuccessHub inspection bundle.",
        )
    if doc.get("organisation") != organisation_code:
        raise _reject(
            "bundle_foreign",
            "该巡检数据属于其他客户组织，未被接受。请使用本组织的客户编码重新运行巡检工具。",
            "The bundle belongs to another organisation; run the agent with your own customer code.",
        )
    try:
        return _shape(doc)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise _reject(
            "bundle_malformed",
            "巡检数据的内容不完整或格式不正确。",
            "The bundle's sections are missing or malformed.",
        ) from None


def _require(value, kind):
    if not isinstance(value, kind):
        raise ValueError("wrong type")
    return value


def _shape(doc: dict) -> dict:
    os_ = _require(doc["os"], dict)
    cpu = _require(doc["cpu"], dict)
    memory = _require(doc["memory"], dict)
    database = _require(doc.get("database") or {}, dict)
    load = cpu.get("load")
    return {
        "schema": SCHEMA,
        "organisation": doc["organisation"],
        "agent_version": _str(doc.get("agent_version"), 20),
        "collected_at": _require(doc["collected_at"], str)[:40],
        "os": {
            k: _str(os_.get(k)) for k in ("system", "release", "version", "machine", "hostname", "python")
        },
        "cpu": {
            "count": _int(cpu.get("count")) or 1,
            "model": _str(cpu.get("model")),
            "load": [float(x) for x in load[:3]] if isinstance(load, list) else None,
        },
        "memory": {
            k: _int(memory.get(k))
            for k in ("total_bytes", "available_bytes", "swap_total_bytes", "swap_free_bytes")
        },
        "disks": [
            {
                "path": _str(d.get("path")),
                "total_bytes": _int(d.get("total_bytes")),
                "free_bytes": _int(d.get("free_bytes")),
            }
            for d in _require(doc["disks"], list)[:50]
        ],
        "database": {
            "kind": _str(database.get("kind"), 40),
            "reachable": database.get("reachable") if isinstance(database.get("reachable"), bool) else None,
            "version": _str(database.get("version"), 100),
            "size_bytes": _int(database.get("size_bytes")),
        },
        "services": [
            {"name": _str(s.get("name"), 100), "state": _str(s.get("state"), 40)}
            for s in _require(doc.get("services", []), list)[:100]
        ],
        "logs": [
            {
                "path": _str(entry.get("path"), 300),
                "lines": _int(entry.get("lines")),
                "errors": _int(entry.get("errors")) or 0,
                "warnings": _int(entry.get("warnings")) or 0,
            }
            for entry in _require(doc.get("logs", []), list)[:200]
        ],
        "config": [
            {
                "check": _str(c.get("check"), 60),
                "ok": bool(c.get("ok")),
                "value": c.get("value") if isinstance(c.get("value"), (int, str)) else None,
            }
            for c in _require(doc.get("config", []), list)[:50]
        ],
    }


CONFIG_ADVICE = {
    "timezone_beijing": (
        gettext_noop("服务器时区不是北京时间"),
        gettext_noop("将服务器时区设置为 Asia/Shanghai，避免单据日期与期间错位。"),
    ),
    "open_files_limit": (
        gettext_noop("进程可打开文件数上限偏低"),
        gettext_noop("将应用服务账号的 nofile 上限调整到 65535 或以上。"),
    ),
    "swap_configured": (
        gettext_noop("未配置交换空间"),
        gettext_noop("为应用服务器配置适量交换空间，避免内存峰值时进程被终止。"),
    ),
}


def evaluate(bundle: dict) -> list[Finding]:
    """The inspection rules, most serious first."""
    findings: list[Finding] = []
    for disk in bundle["disks"]:
        total, free = disk.get("total_bytes"), disk.get("free_bytes")
        if not total or free is None:
            continue
        used = round((total - free) * 100 / total)
        if used >= DISK_WARNING_PERCENT:
            findings.append(
                Finding(
                    "disk_usage",
                    "disk",
                    CRITICAL if used >= DISK_CRITICAL_PERCENT else WARNING,
                    gettext_noop("磁盘 %(path)s 已使用 %(used)s%%"),
                    gettext_noop("可用 %(free)s GB / 共 %(total)s GB"),
                    gettext_noop(
                        "清理过期日志与备份文件，或扩容磁盘；数据库所在磁盘建议保留两成以上可用空间。"
                    ),
                    fields={
                        "path": disk["path"],
                        "used": used,
                        "free": free // 1024**3,
                        "total": total // 1024**3,
                    },
                )
            )
    memory = bundle["memory"]
    if memory.get("total_bytes") and memory.get("available_bytes") is not None:
        available = memory["available_bytes"] * 100 / memory["total_bytes"]
        if available < MEMORY_AVAILABLE_WARNING_PERCENT:
            findings.append(
                Finding(
                    "memory_available",
                    "memory",
                    WARNING,
                    gettext_noop("可用内存仅 %(available)s%%"),
                    "",
                    gettext_noop("检查应用服务的内存配置与占用较高的进程，必要时增加内存。"),
                    fields={"available": f"{available:.0f}"},
                )
            )
    cpu = bundle["cpu"]
    if cpu.get("load") and cpu["load"][1] > cpu["count"] * LOAD_PER_CPU_WARNING:
        findings.append(
            Finding(
                "cpu_load",
                "cpu",
                WARNING,
                gettext_noop("5 分钟平均负载 %(load)s，超过 CPU 核数 %(cpus)s 的两倍"),
                "",
                gettext_noop("排查长时间运行的后台任务与报表，错峰执行或扩容 CPU。"),
                fields={"load": cpu["load"][1], "cpus": cpu["count"]},
            )
        )
    database = bundle["database"]
    if database.get("reachable") is False:
        findings.append(
            Finding(
                "database_unreachable",
                "database",
                CRITICAL,
                gettext_noop("巡检工具无法连接数据库"),
                "",
                gettext_noop("确认数据库服务状态与巡检账号的只读权限后重新巡检。"),
            )
        )
    down = [s["name"] for s in bundle["services"] if s.get("state") not in ("active", "activating")]
    if down:
        findings.append(
            Finding(
                "service_down",
                "services",
                CRITICAL,
                gettext_noop("%(count)s 个产品服务未运行"),
                gettext_noop("未运行：%(names)s"),
                gettext_noop("检查服务日志并重新启动相关服务；如反复停止，请提交工单由工程师协助分析。"),
                len(down),
                fields={"count": len(down), "names": ", ".join(filter(None, down))},
            )
        )
    errors = sum(entry.get("errors", 0) for entry in bundle["logs"])
    if errors >= ERROR_LINES_WARNING:
        findings.append(
            Finding(
                "log_errors",
                "logs",
                WARNING,
                gettext_noop("近期日志中有 %(errors)s 行错误"),
                "",
                gettext_noop("按日志文件排查高频错误；与产品相关的异常可提交在线工单。"),
                errors,
                fields={"errors": errors},
            )
        )
    for check in bundle["config"]:
        if not check["ok"] and check["check"] in CONFIG_ADVICE:
            title, advice = CONFIG_ADVICE[check["check"]]
            value = check.get("value")
            findings.append(
                Finding(
                    f"config_{check['check']}",
                    "config",
                    INFO,
                    title,
                    gettext_noop("当前值：%(value)s") if value not in (None, "") else "",
                    advice,
                    fields={"value": value} if value not in (None, "") else {},
                )
            )
    return sorted(findings, key=lambda f: SEVERITIES.index(f.severity))
