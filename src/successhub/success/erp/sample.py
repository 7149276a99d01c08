"""A generated sample ERP database (SQLite) for the business diagnosis: demo and tests.

Nothing is copied from a real system: a seeded generator writes a year of ledgers, master data,
purchase orders and users, then plants a known number of each problem the rule packs look for
(``PLANTED``), so a test can say exactly what the diagnosis must find.

    python -m successhub.success.erp.sample /tmp/erp.db [--as-of 2026-06-30] [--seed 7]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sqlite3
from pathlib import Path

SCHEMA = """
CREATE TABLE periods (id INTEGER PRIMARY KEY, year INTEGER NOT NULL, month INTEGER NOT NULL,
  start_date TEXT NOT NULL, end_date TEXT NOT NULL, closed INTEGER NOT NULL DEFAULT 0, closed_on TEXT);
CREATE TABLE vouchers (id INTEGER PRIMARY KEY, number TEXT NOT NULL, period_id INTEGER NOT NULL REFERENCES periods(id),
  voucher_date TEXT NOT NULL, posted INTEGER NOT NULL DEFAULT 0);
CREATE TABLE voucher_lines (id INTEGER PRIMARY KEY, voucher_id INTEGER NOT NULL REFERENCES vouchers(id),
  account TEXT NOT NULL, debit_cents INTEGER NOT NULL DEFAULT 0, credit_cents INTEGER NOT NULL DEFAULT 0);
CREATE TABLE suppliers (id INTEGER PRIMARY KEY, code TEXT NOT NULL, name TEXT NOT NULL, tax_number TEXT, bank_account TEXT);
CREATE TABLE customers (id INTEGER PRIMARY KEY, code TEXT NOT NULL, name TEXT NOT NULL, tax_number TEXT);
CREATE TABLE materials (id INTEGER PRIMARY KEY, code TEXT NOT NULL, name TEXT NOT NULL, unit TEXT);
CREATE TABLE purchase_orders (id INTEGER PRIMARY KEY, number TEXT NOT NULL, supplier_id INTEGER REFERENCES suppliers(id),
  order_date TEXT NOT NULL, status TEXT NOT NULL);
CREATE TABLE users (id INTEGER PRIMARY KEY, login TEXT NOT NULL, licensed INTEGER NOT NULL, last_login TEXT);
"""

# What the generator plants, by rule: the diagnosis of a generated database finds exactly these.
PLANTED = {
    "unbalanced_vouchers": 3,
    "unposted_in_closed_period": 4,
    "suppliers_missing_tax_number": 5,
    "materials_missing_unit": 6,
    "customers_missing_tax_number": 2,
    "duplicate_suppliers": 2,
    "voucher_date_outside_period": 2,
    "period_closed_late": 2,
    "period_not_closed": 1,
    "stale_open_orders": 7,
    "licensed_never_logged_in": 3,
    "licensed_inactive": 4,
}

ACCOUNTS = (
    "1001 库存现金",
    "1002 银行存款",
    "1122 应收账款",
    "2202 应付账款",
    "6001 主营业务收入",
    "6602 管理费用",
)
SUPPLIER_WORDS = ("华", "东", "盛", "达", "恒", "信", "通", "泰", "源", "丰", "宏", "远")


def _month_start(day: dt.date, back: int) -> dt.date:
    year, month = day.year, day.month - back
    while month <= 0:
        month += 12
        year -= 1
    return dt.date(year, month, 1)


def _month_end(start: dt.date) -> dt.date:
    return (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def generate(
    path: str | Path, *, as_of: dt.date | None = None, seed: int = 7, vouchers_per_month: int = 40
) -> Path:
    """Write the sample database at ``path`` (replacing it) and return the path."""
    as_of = as_of or dt.date.today()
    rng = random.Random(seed)
    path = Path(path)
    if path.exists():
        path.unlink()
    connection = sqlite3.connect(path)
    try:
        connection.executescript(SCHEMA)
        _fill(connection, rng, as_of, vouchers_per_month)
        connection.commit()
    finally:
        connection.close()
    return path


def _fill(db: sqlite3.Connection, rng: random.Random, as_of: dt.date, per_month: int) -> None:
    # Twelve periods ending with the current month. Past months are closed within a week, except the
    # planted late closings and the one past month left open.
    periods = []
    for back in range(11, -1, -1):
        start = _month_start(as_of, back)
        end = _month_end(start)
        periods.append((start, end))
    past = [p for p in periods if p[1] < as_of - dt.timedelta(days=30)]
    late = set(range(PLANTED["period_closed_late"]))  # the oldest past periods closed late
    not_closed = {len(past) - 1}  # the latest past period, still open
    period_ids = []
    for index, (start, end) in enumerate(periods):
        closed = index < len(past) and index not in not_closed
        closed_on = None
        if closed:
            closed_on = end + dt.timedelta(days=25 if index in late else rng.randint(1, 6))
        cursor = db.execute(
            "INSERT INTO periods (year, month, start_date, end_date, closed, closed_on) VALUES (?, ?, ?, ?, ?, ?)",
            (
                start.year,
                start.month,
                start.isoformat(),
                end.isoformat(),
                int(closed),
                closed_on and closed_on.isoformat(),
            ),
        )
        period_ids.append((cursor.lastrowid, start, end, closed))

    number = 0
    voucher_rows = []
    for period_id, start, end, closed in period_ids:
        for _ in range(per_month):
            number += 1
            day = start + dt.timedelta(days=rng.randint(0, (end - start).days))
            voucher_rows.append((period_id, f"记-{number:05d}", day, closed))
    closed_vouchers = [i for i, v in enumerate(voucher_rows) if v[3]]
    unbalanced = set(rng.sample(closed_vouchers, PLANTED["unbalanced_vouchers"]))
    unposted = set(
        rng.sample([i for i in closed_vouchers if i not in unbalanced], PLANTED["unposted_in_closed_period"])
    )
    misdated = set(
        rng.sample(
            [i for i in closed_vouchers if i not in unbalanced | unposted],
            PLANTED["voucher_date_outside_period"],
        )
    )
    for index, (period_id, voucher_number, day, closed) in enumerate(voucher_rows):
        if index in misdated:
            day = day - dt.timedelta(days=62)
        posted = 1 if closed and index not in unposted else (0 if closed else rng.choice((0, 1)))
        cursor = db.execute(
            "INSERT INTO vouchers (number, period_id, voucher_date, posted) VALUES (?, ?, ?, ?)",
            (voucher_number, period_id, day.isoformat(), posted),
        )
        amount = rng.randint(100, 500_000) * 100
        debit, credit = rng.sample(ACCOUNTS, 2)
        db.execute(
            "INSERT INTO voucher_lines (voucher_id, account, debit_cents) VALUES (?, ?, ?)",
            (cursor.lastrowid, debit, amount),
        )
        db.execute(
            "INSERT INTO voucher_lines (voucher_id, account, credit_cents) VALUES (?, ?, ?)",
            (cursor.lastrowid, credit, amount - (rng.randint(1, 99) * 100 if index in unbalanced else 0)),
        )

    suppliers = []
    for n in range(1, 41):
        name = "".join(rng.sample(SUPPLIER_WORDS, 2)) + f"{n}号供应商有限公司"
        suppliers.append([f"S{n:04d}", name, f"91310000{rng.randint(10**9, 10**10 - 1)}", f"6222{n:012d}"])
    for row in suppliers[: PLANTED["suppliers_missing_tax_number"]]:
        row[2] = None
    for k in range(PLANTED["duplicate_suppliers"]):
        original = suppliers[10 + k]
        suppliers.append(
            [f"S{len(suppliers) + 1:04d}", original[1] + " ", original[2], None if k else original[3]]
        )
    # The duplicates copy their original's tax number, so they are not "missing" ones.
    for code, name, tax, bank in suppliers:
        db.execute(
            "INSERT INTO suppliers (code, name, tax_number, bank_account) VALUES (?, ?, ?, ?)",
            (code, name, tax, bank),
        )
    for n in range(1, 31):
        tax = (
            None
            if n <= PLANTED["customers_missing_tax_number"]
            else f"91440000{rng.randint(10**9, 10**10 - 1)}"
        )
        db.execute(
            "INSERT INTO customers (code, name, tax_number) VALUES (?, ?, ?)", (f"C{n:04d}", f"客户{n}", tax)
        )
    for n in range(1, 81):
        unit = None if n <= PLANTED["materials_missing_unit"] else rng.choice(("个", "件", "千克", "箱"))
        db.execute(
            "INSERT INTO materials (code, name, unit) VALUES (?, ?, ?)", (f"M{n:05d}", f"物料{n}", unit)
        )

    order = 0
    for n in range(60):
        order += 1
        stale = n < PLANTED["stale_open_orders"]
        day = as_of - dt.timedelta(days=rng.randint(100, 300) if stale else rng.randint(0, 60))
        status = "open" if stale or rng.random() < 0.3 else "closed"
        if not stale and day < as_of - dt.timedelta(days=90):
            status = "closed"
        db.execute(
            "INSERT INTO purchase_orders (number, supplier_id, order_date, status) VALUES (?, ?, ?, ?)",
            (f"PO-{order:05d}", rng.randint(1, 40), day.isoformat(), status),
        )

    for n in range(1, 26):
        if n <= PLANTED["licensed_never_logged_in"]:
            last = None
        elif n <= PLANTED["licensed_never_logged_in"] + PLANTED["licensed_inactive"]:
            last = (as_of - dt.timedelta(days=rng.randint(120, 300))).isoformat()
        else:
            last = (as_of - dt.timedelta(days=rng.randint(0, 30))).isoformat()
        db.execute("INSERT INTO users (login, licensed, last_login) VALUES (?, 1, ?)", (f"user{n:02d}", last))
    db.execute("INSERT INTO users (login, licensed, last_login) VALUES ('guest', 0, NULL)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Generate the sample ERP database (SQLite) for the business diagnosis."
    )
    parser.add_argument("path")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    print(generate(args.path, as_of=args.as_of, seed=args.seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
