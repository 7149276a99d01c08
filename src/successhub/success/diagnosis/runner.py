"""Running the rule packs over a customer's ERP database, read-only, through a connection string.

``sqlite:///path/erp.db`` opens the file read-only (``mode=ro``); ``postgres://...`` opens a session
whose transactions are read-only. A connection that fails, or a database that is not an ERP of the
expected shape, raises ``DiagnosisFailed`` and nothing is recorded.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from successhub.success.diagnosis.rules import (
    DIMENSIONS,
    INACTIVE_USER_DAYS,
    OVERVIEW_QUERIES,
    RULES,
    STALE_ORDER_DAYS,
    UNCLOSED_AFTER_DAYS,
)
from successhub.success.errors import DiagnosisFailed
from successhub.success.inspect_agent import sqlite_path

EXAMPLES = 5
SEVERITY_ORDER = ("critical", "warning", "info")


@dataclass(frozen=True)
class Finding:
    rule: str
    dimension: str
    severity: str
    title: str
    recommendation: str
    count: int
    examples: tuple[str, ...]

    def as_json(self) -> dict:
        data = asdict(self)
        data["examples"] = list(self.examples)
        return data


@dataclass(frozen=True)
class Diagnosis:
    findings: list[Finding]
    overview: dict


def _failed(detail: str) -> DiagnosisFailed:
    return DiagnosisFailed(
        f"无法读取客户的业务数据库：{detail}。请检查连接串、网络与只读账号权限后重试，本次未保存任何结果。",
        f"The ERP database could not be read: {detail}. Check the connection string, the network and the "
        "read-only account; nothing was saved.",
    )


class _Reader:
    def __init__(self, connection_string: str):
        scheme = urlsplit(connection_string).scheme.split("+")[0]
        self.kind = scheme
        if scheme == "sqlite":
            path = sqlite_path(connection_string)
            try:
                self.connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
                self.connection.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
            except sqlite3.Error as exc:
                raise _failed(f"无法打开数据库文件（{type(exc).__name__}）") from None
        elif scheme in ("postgres", "postgresql"):
            import psycopg

            try:
                self.connection = psycopg.connect(
                    connection_string,
                    connect_timeout=5,
                    options="-c default_transaction_read_only=on",
                    autocommit=False,
                )
            except psycopg.Error as exc:
                raise _failed(f"连接失败（{type(exc).__name__}）") from None
        else:
            raise _failed("不支持的数据库类型")

    def rows(self, sql: str, params: dict) -> list[tuple]:
        if self.kind != "sqlite":
            sql = re.sub(r":(\w+)", r"%(\1)s", sql)
        try:
            cursor = self.connection.cursor()
            cursor.execute(sql, params)
            return cursor.fetchall()
        except Exception as exc:  # the driver's error classes differ; all mean "not an ERP we can read"
            raise _failed(f"数据库结构与业务诊断工具不匹配（{type(exc).__name__}）") from None

    def close(self) -> None:
        try:
            self.connection.rollback()
        finally:
            self.connection.close()


def diagnose(connection_string: str, *, as_of: dt.date) -> Diagnosis:
    if not connection_string or len(connection_string) > 2000:
        raise _failed("连接串为空或过长")
    params = {
        "stale_before": (as_of - dt.timedelta(days=STALE_ORDER_DAYS)).isoformat(),
        "unclosed_before": (as_of - dt.timedelta(days=UNCLOSED_AFTER_DAYS)).isoformat(),
        "inactive_before": (as_of - dt.timedelta(days=INACTIVE_USER_DAYS)).isoformat(),
    }
    reader = _Reader(connection_string)
    try:
        overview = {"as_of": as_of.isoformat(), "figures": {}}
        for code, _label, sql in OVERVIEW_QUERIES:
            overview["figures"][code] = int(reader.rows(sql, {})[0][0])
        findings = []
        for rule in RULES:
            used = {k: v for k, v in params.items() if f":{k}" in rule.sql}
            rows = reader.rows(rule.sql, used)
            if rule.keep is not None:
                rows = [row for row in rows if rule.keep(row)]
            if rows:
                findings.append(
                    Finding(
                        rule.code,
                        rule.dimension,
                        rule.severity,
                        # Stored in Chinese as generated; pages write it in the reader's language by rule.
                        rule.title % rule.title_fields if rule.title_fields else rule.title,
                        rule.recommendation,
                        len(rows),
                        tuple(str(row[0]) for row in rows[:EXAMPLES]),
                    )
                )
    finally:
        reader.close()
    order = [code for code, _ in DIMENSIONS]
    findings.sort(key=lambda f: (order.index(f.dimension), SEVERITY_ORDER.index(f.severity)))
    overview["rules_checked"] = len(RULES)
    return Diagnosis(findings, overview)
