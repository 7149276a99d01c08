"""One organisation's full entitlement page on PostgreSQL: 5 contracts, 10,000 ledger rows.

Prints the number of queries and the median / p95 time of:
- the engine path the product uses (one aggregate over the ledger for all quota windows),
- the whole 我的服务权益 page over HTTP (Django test client: session, rendering),
- a naive baseline in the same run: load every ledger row and total them in Python.

Target: a constant number of queries and under 10 ms median for the engine path.
Usage: python bench/entitlements.py   (DATABASE_URL defaults to a local successhub_bench database)
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time
from decimal import Decimal

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/successhub_bench"
os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "successhub.settings")
os.environ.setdefault("DEBUG", "0")  # as in production: no query log
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "300"))


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def timed(fn, rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"median {statistics.median(samples):7.2f} ms   p95 {p95:7.2f} ms"


def main() -> int:
    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        print("bench/entitlements.py measures PostgreSQL; set DATABASE_URL=postgres://…", file=sys.stderr)
        return 2
    ensure_database(url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from successhub.accounts.models import Organisation, Role, User
    from successhub.contracts.models import Contract, Deployment, Product, UsageEntry
    from successhub.contracts.selectors import customer_snapshot, engine, entitlements_for
    from successhub.core.entitlements import ListUsage
    from successhub.core.entitlements import UsageEntry as CoreUsage

    call_command("migrate", interactive=False, verbosity=0)
    User.objects.filter(username="bench-user").delete()
    Contract.objects.filter(number__startswith="BENCH-").delete()
    Organisation.objects.filter(code="bench-org").delete()
    organisation = Organisation.objects.create(name="基准测试客户", code="bench-org", region="mainland")
    for code, kind in (("galaxy", "private_cloud_subscription"), ("eas_cloud", "private_cloud")):
        Deployment.objects.create(
            organisation=organisation, product=Product.objects.get(code=code), type=kind
        )
    today = timezone.localdate()
    for years_back in range(4):
        start = today.replace(year=today.year - years_back - 1)
        Contract.objects.create(
            organisation=organisation,
            number=f"BENCH-STD-{years_back}",
            plan="standard",
            start=start,
            end=start + dt.timedelta(days=364),
        )
    Contract.objects.create(
        organisation=organisation,
        number="BENCH-ADV",
        plan="advanced",
        amount=Decimal(68000),
        start=today - dt.timedelta(days=100),
        end=today + dt.timedelta(days=264),
    )
    now = timezone.now()
    services = ("hotline", "critical_moment_support", "service_report", "health_check")
    UsageEntry.objects.bulk_create(
        [
            UsageEntry(
                organisation=organisation,
                service=services[i % 4],
                amount=Decimal("0.01"),
                at=now - dt.timedelta(minutes=53 * i),
            )
            for i in range(10_000)
        ],
        batch_size=2000,
    )
    # A live ledger is vacuumed by autovacuum; do it now so the planner and visibility map are current.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE contracts_usageentry")
    User.objects.filter(username="bench-user").delete()
    user = User.objects.create_user(
        username="bench-user",
        password="x",
        role=Role.CUSTOMER_USER,
        organisation=organisation,
        phone_verified_at=now,
    )
    print(
        f"organisation with {Contract.objects.filter(organisation=organisation).count()} contracts and "
        f"{UsageEntry.objects.filter(organisation=organisation).count()} ledger rows on PostgreSQL"
    )

    entitlements_for(organisation)  # warm caches (catalog, calendar)
    with CaptureQueriesContext(connection) as queries:
        decisions = entitlements_for(organisation)
    engine_queries = len(queries)
    assert len(decisions) == 16
    engine_samples = timed(lambda: entitlements_for(organisation), ROUNDS)

    def naive() -> None:
        customer = customer_snapshot(organisation)
        rows = UsageEntry.objects.filter(organisation=organisation).values_list("service", "at", "amount")
        usage = ListUsage(CoreUsage(s, a, n) for s, a, n in rows)
        engine().evaluate(customer, timezone.now(), usage)

    with CaptureQueriesContext(connection) as captured:
        naive()
    naive_queries = len(captured)
    naive_samples = timed(naive, max(20, ROUNDS // 10))

    client = Client()
    client.force_login(user)
    client.get("/me/entitlements/")
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/me/entitlements/").status_code == 200
    page_queries = len(captured)
    page_samples = timed(lambda: client.get("/me/entitlements/"), max(50, ROUNDS // 3))

    print(f"engine path (product)     {engine_queries:2d} queries   {summary(engine_samples)}")
    print(f"whole page over HTTP      {page_queries:2d} queries   {summary(page_samples)}")
    print(f"naive baseline (all rows) {naive_queries:2d} queries   {summary(naive_samples)}")
    ratio = statistics.median(naive_samples) / statistics.median(engine_samples)
    print(
        f"engine path is {ratio:.1f}x faster than loading the ledger; target: median < 10 ms "
        f"-> {'met' if statistics.median(engine_samples) < 10 else 'NOT met'}"
    )
    user.delete()
    Organisation.objects.filter(code="bench-org").delete()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    sys.exit(main())
