"""Annual service reports for 1,000 customers, each with a year of data.

    .venv/bin/python bench/reports.py [--customers 1000] [--tickets 120] [--naive 50] [--pdf 3]
        [--pdf-baseline 1] [--reload]

Loads (once; ``--reload`` to start again) into its own database — DATABASE_URL, default
``postgres://postgres@127.0.0.1:5432/successhub_reports_bench`` — ``--customers`` Advanced customers,
each with a deployment, a contract, ``--tickets`` tickets over the service year (channels, categories,
responses on time and late), half as many bot conversations, a dozen hotline calls, IM chats and
dedicated-group messages. Then, in the same run:

- the product's path (``success.reports.annual_figures`` + the suggestion rules) for every customer:
  seconds per report (mean, p95), database queries per report (min and max: constant), peak Python
  memory of one report (tracemalloc) and of the whole run;
- baseline, a naive per-row implementation over the same data for ``--naive`` customers: tickets as
  model instances, each one's product and category looked up row by row (what the ORM does without
  care) — its queries grow with the data;
- the PDF (WeasyPrint, fonts embedded) for ``--pdf`` customers: seconds per PDF (wall and CPU), the
  fonts embedded and the size; baseline, the same PDFs for ``--pdf-baseline`` customers with the fonts
  subset by fontTools, WeasyPrint's fallback when HarfBuzz's subsetter (``libharfbuzz-subset0``,
  ``make pdf``) is missing — where the 13–46 s per report seen before came from.

The machine is shared (2 cores, several engineers' tests and servers): only the figures printed
side by side in one run compare.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/successhub_reports_bench"
os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "successhub.settings")
os.environ.setdefault("DEBUG", "0")
YEAR_START = dt.date(2025, 7, 1)
YEAR_END = dt.date(2026, 6, 30)


def ensure_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def load(customers: int, tickets_each: int) -> None:
    from django.db import transaction

    from successhub.accounts.models import Organisation, Role, User
    from successhub.assistant.models import Conversation
    from successhub.chat.models import ChatSession
    from successhub.contracts.models import Contract, Deployment, Product
    from successhub.core.entitlements import BEIJING
    from successhub.hotline.models import Call
    from successhub.imgroups.models import GroupMessage, ServiceGroup
    from successhub.tickets.categories import CATEGORIES
    from successhub.tickets.models import Channel, Ticket

    rng = random.Random(16)
    galaxy = Product.objects.get(code="galaxy")
    products = list(Product.objects.filter(code__in=["galaxy", "cosmic", "eas_cloud"]))
    categories = [c.code for c in CATEGORIES if c.out_of_scope is None][:6]
    channels = list(Channel.values)
    days = (YEAR_END - YEAR_START).days
    started = time.perf_counter()
    for batch in range(0, customers, 100):
        with transaction.atomic():
            orgs = Organisation.objects.bulk_create(
                [
                    Organisation(name=f"基准客户{n:04d}", code=f"bench-{n:04d}")
                    for n in range(batch, min(batch + 100, customers))
                ]
            )
            users = User.objects.bulk_create(
                [User(username=f"bench-user-{o.code}", role=Role.CUSTOMER_USER, organisation=o) for o in orgs]
            )
            Deployment.objects.bulk_create(
                [
                    Deployment(
                        organisation=o, product=galaxy, type="private_cloud_subscription", version="9.0"
                    )
                    for o in orgs
                ]
            )
            Contract.objects.bulk_create(
                [
                    Contract(
                        organisation=o,
                        number=f"BENCH-{o.code}",
                        plan="advanced",
                        start=YEAR_START,
                        end=YEAR_END,
                        amount=68000,
                    )
                    for o in orgs
                ]
            )
            groups = ServiceGroup.objects.bulk_create(
                [
                    ServiceGroup(
                        organisation=o, tool="wecom", name=f"{o.name} 服务群", requested_by=u, status="active"
                    )
                    for o, u in zip(orgs, users, strict=True)
                ]
            )
            rows, talks, calls, chats, messages = [], [], [], [], []
            for org, user, group in zip(orgs, users, groups, strict=True):
                for n in range(tickets_each):
                    created = dt.datetime.combine(
                        YEAR_START + dt.timedelta(days=rng.randrange(days)),
                        dt.time(9 + rng.randrange(8), rng.randrange(60)),
                        tzinfo=BEIJING,
                    )
                    due = created + dt.timedelta(hours=8)
                    responded = created + dt.timedelta(minutes=rng.choice((20, 45, 90, 300, 900)))
                    rows.append(
                        Ticket(
                            number=f"B{org.pk}-{n}",
                            organisation=org,
                            requester=user,
                            filed_by=user,
                            product=rng.choice(products),
                            category=rng.choice(categories),
                            service="online_ticket",
                            title=rng.choice(("凭证无法保存", "报表取数错误", "单据审核报错", f"问题 {n}")),
                            description="…",
                            channel=rng.choice(channels),
                            status="closed",
                            sla_schedule="5x8",
                            sla_target_minutes=480,
                            first_response_due_at=due,
                            first_response_at_risk_at=due - dt.timedelta(hours=2),
                            created_at=created,
                            first_responded_at=responded,
                        )
                    )
                for _ in range(tickets_each // 2):
                    at = dt.datetime.combine(
                        YEAR_START + dt.timedelta(days=rng.randrange(days)), dt.time(10), tzinfo=BEIJING
                    )
                    talks.append(
                        Conversation(
                            organisation=org,
                            user=user,
                            created_at=at,
                            handoff="ticket" if rng.random() < 0.2 else "",
                        )
                    )
                for _ in range(12):
                    at = dt.datetime.combine(
                        YEAR_START + dt.timedelta(days=rng.randrange(days)), dt.time(11), tzinfo=BEIJING
                    )
                    calls.append(
                        Call(
                            organisation=org,
                            caller=user,
                            caller_phone="13900000000",
                            created_at=at,
                            classification="product_problem",
                            fatal=False,
                        )
                    )
                for _ in range(tickets_each // 4):
                    at = dt.datetime.combine(
                        YEAR_START + dt.timedelta(days=rng.randrange(days)), dt.time(14), tzinfo=BEIJING
                    )
                    taken = rng.random() < 0.8
                    chats.append(
                        ChatSession(
                            customer=user,
                            organisation=org,
                            product="galaxy",
                            status="ended",
                            created_at=at,
                            accepted_at=at + dt.timedelta(minutes=2) if taken else None,
                            ended_at=at + dt.timedelta(minutes=15),
                            csat=rng.choice((None, 4, 5)) if taken else None,
                        )
                    )
                for _ in range(tickets_each // 4):
                    at = dt.datetime.combine(
                        YEAR_START + dt.timedelta(days=rng.randrange(days)), dt.time(15), tzinfo=BEIJING
                    )
                    messages.append(
                        GroupMessage(
                            group=group,
                            kind="customer",
                            body="请帮忙看一下凭证审核报错",
                            received_at=at,
                            response_due_at=at + dt.timedelta(minutes=30),
                            responded_at=at + dt.timedelta(minutes=rng.choice((5, 20, 90))),
                        )
                    )
            Ticket.objects.bulk_create(rows, batch_size=2000)
            ChatSession.objects.bulk_create(chats, batch_size=2000)
            GroupMessage.objects.bulk_create(messages, batch_size=2000)
            Conversation.objects.bulk_create(talks, batch_size=2000)
            Call.objects.bulk_create(calls, batch_size=2000)
        print(
            f"  loaded {min(batch + 100, customers)} customers ({time.perf_counter() - started:.0f} s)",
            flush=True,
        )


def naive_figures(organisation) -> dict:
    """The per-row way: model instances, each ticket's product fetched as it is read."""
    from successhub.core.entitlements import BEIJING
    from successhub.tickets.models import Ticket

    figures: dict = {"months": {}, "categories": {}, "products": {}, "on_time": 0, "total": 0}
    for ticket in Ticket.objects.filter(
        organisation=organisation, created_at__date__gte=YEAR_START, created_at__date__lte=YEAR_END
    ):
        month = ticket.created_at.astimezone(BEIJING).strftime("%Y-%m")
        figures["months"][month] = figures["months"].get(month, 0) + 1
        figures["categories"][ticket.get_category_display()] = (
            figures["categories"].get(ticket.get_category_display(), 0) + 1
        )
        name = ticket.product.name  # one query per ticket
        figures["products"][name] = figures["products"].get(name, 0) + 1
        figures["total"] += 1
        figures["on_time"] += bool(
            ticket.first_responded_at and ticket.first_responded_at <= ticket.first_response_due_at
        )
    for contract in organisation.contracts.all():
        figures.setdefault("contracts", []).append(contract.number)
    for deployment in organisation.deployments.all():
        figures.setdefault("deployments", []).append(str(deployment.product))  # one query per deployment
    return figures


def measure(fn, organisations) -> tuple[list[float], list[int]]:
    """Seconds and queries per report (no memory tracing here: it would slow Python down)."""
    from django.db import connection

    seconds, queries = [], []
    for org in organisations:
        count = [0]

        def counting(execute, sql, params, many, context, count=count):
            count[0] += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counting):
            started = time.perf_counter()
            fn(org)
            seconds.append(time.perf_counter() - started)
        queries.append(count[0])
    return seconds, queries


def peak_memory(fn, organisations) -> int:
    """The largest Python allocation peak of one report (tracemalloc), over ``organisations``."""
    peak = 0
    for org in organisations:
        tracemalloc.start()
        fn(org)
        peak = max(peak, tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    return peak


def pdf_figures(organisations, baseline) -> None:
    """Seconds per PDF (wall and CPU) with HarfBuzz subsetting, beside WeasyPrint's fontTools fallback."""
    from weasyprint.pdf import fonts

    from successhub.success import presentation, reports
    from successhub.success.models import ServiceReport
    from successhub.success.pdf import render_pdf, subsetter

    def report_for(org) -> ServiceReport:
        figures = reports.annual_figures(org, YEAR_START, YEAR_END)
        return ServiceReport(
            organisation=org,
            year_start=YEAR_START,
            year_end=YEAR_END,
            figures=figures,
            suggestions=reports.suggestions(figures),
        )

    def render(org) -> tuple[float, float, bytes]:
        report = report_for(org)
        wall, cpu = time.perf_counter(), time.process_time()
        content = render_pdf(
            "success/report_pdf.html", {"item": report, "view": presentation.report_view(report, False)}
        )
        return time.perf_counter() - wall, time.process_time() - cpu, content

    def line(label: str, runs: list[tuple[float, float, bytes]]) -> str:
        walls, cpus = [r[0] for r in runs], [r[1] for r in runs]
        content = runs[-1][2]
        return (
            f"{label} ({len(runs)} reports): wall mean {statistics.mean(walls):.2f} s, max {max(walls):.2f} s; "
            f"CPU mean {statistics.mean(cpus):.2f} s; {embedded_fonts(content)} fonts embedded, "
            f"{len(content) // 1024} KiB"
        )

    if subsetter() != "harfbuzz":
        print(
            "PDF: HarfBuzz's subsetter is not installed (make pdf): both figures below are the fontTools path"
        )
    render(organisations[0])  # warm-up: fontconfig and Pango load once per process
    print(line(f"PDF (WeasyPrint, fonts subset by {subsetter()})", [render(org) for org in organisations]))
    if baseline:
        saved = fonts.harfbuzz_subset
        fonts.harfbuzz_subset = None  # WeasyPrint's own fallback, as on a machine without libharfbuzz-subset0
        try:
            print(line("baseline, fonts subset by fontTools", [render(org) for org in baseline]))
        finally:
            fonts.harfbuzz_subset = saved


def embedded_fonts(content: bytes) -> int:
    import io

    from pypdf import PdfReader

    names = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        names.update(str(f.get_object()["/BaseFont"]) for f in page["/Resources"].get("/Font", {}).values())
    return len(names)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(int(len(ordered) * 0.95) - 1, 0)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--tickets", type=int, default=120, help="tickets per customer over the year")
    parser.add_argument("--naive", type=int, default=50, help="customers for the naive baseline")
    parser.add_argument("--pdf", type=int, default=3, help="customers to render as PDF")
    parser.add_argument(
        "--pdf-baseline", type=int, default=1, help="customers to render with fontTools subsetting (slow)"
    )
    parser.add_argument("--reload", action="store_true")
    args = parser.parse_args()
    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from successhub.accounts.models import Organisation
    from successhub.success import reports
    from successhub.tickets.models import Ticket

    call_command("migrate", interactive=False, verbosity=0)
    existing = Organisation.objects.filter(code__startswith="bench-")
    if args.reload or existing.count() != args.customers:
        print(f"loading {args.customers} customers × {args.tickets} tickets …", flush=True)
        from successhub.assistant.models import Conversation
        from successhub.chat.models import ChatSession
        from successhub.hotline.models import Call
        from successhub.imgroups.models import ServiceGroup

        Ticket.objects.filter(organisation__in=existing).delete()
        Conversation.objects.filter(organisation__in=existing).delete()
        Call.objects.filter(organisation__in=existing).delete()
        ChatSession.objects.filter(organisation__in=existing).delete()
        ServiceGroup.objects.filter(organisation__in=existing).delete()
        from successhub.accounts.models import User

        User.objects.filter(organisation__in=existing).delete()
        existing.delete()
        load(args.customers, args.tickets)
    organisations = list(Organisation.objects.filter(code__startswith="bench-").order_by("code"))
    total_tickets = Ticket.objects.filter(organisation__in=organisations).count()
    print(
        f"\n{connection.vendor}: {len(organisations)} customers, {total_tickets} tickets in the service year "
        f"{YEAR_START} – {YEAR_END} (shared machine: compare only figures of this run)\n"
    )

    def product_path(org):
        figures = reports.annual_figures(org, YEAR_START, YEAR_END)
        reports.suggestions(figures)

    product_path(organisations[0])  # warm-up: the business calendar and catalog load once per process
    naive_figures(organisations[0])
    run_started = time.perf_counter()
    seconds, queries = measure(product_path, organisations)
    run_seconds = time.perf_counter() - run_started
    sample = organisations[: args.naive]
    peak = peak_memory(product_path, sample)
    print(f"annual figures + suggestions, {len(organisations)} reports: {run_seconds:.1f} s in all")
    print(
        f"  per report: mean {statistics.mean(seconds) * 1000:.1f} ms, p95 {p95(seconds) * 1000:.1f} ms; "
        f"queries min {min(queries)} max {max(queries)}; peak memory of one report {peak / 1024:.0f} KiB"
    )

    n_seconds, n_queries = measure(naive_figures, sample)
    n_peak = peak_memory(naive_figures, sample)
    print(f"baseline, naive per-row ({len(sample)} reports):")
    print(
        f"  per report: mean {statistics.mean(n_seconds) * 1000:.1f} ms, p95 {p95(n_seconds) * 1000:.1f} ms; "
        f"queries min {min(n_queries)} max {max(n_queries)}; peak memory of one report {n_peak / 1024:.0f} KiB"
    )

    if args.pdf:
        pdf_figures(organisations[: args.pdf], organisations[: args.pdf_baseline])
    return 0


if __name__ == "__main__":
    sys.exit(main())
