"""``successhub report annual --org CODE --out FILE.pdf [--as-of DATE]``: the annual service report
(专属服务报告) for the service year containing DATE (default: today), as a PDF.

The report is generated from the data as a draft (the same draft the technical manager edits and
publishes); once published, the published report is written as it was published.
"""

from __future__ import annotations

import datetime as dt
import os

from successhub.cli import UsageError, setup_django


def register(subparsers) -> None:
    parser = subparsers.add_parser("report", help="write service reports")
    sub = parser.add_subparsers(dest="report_command", metavar="KIND", required=True)
    annual = sub.add_parser("annual", help="the annual service report (专属服务报告) as a PDF")
    annual.add_argument("--org", required=True, metavar="CODE", help="the customer's code")
    annual.add_argument("--out", required=True, metavar="FILE.pdf")
    annual.add_argument(
        "--as-of", metavar="DATE", help="a date in the service year (YYYY-MM-DD; default today)"
    )
    annual.set_defaults(handler=annual_command)


def annual_command(args) -> int:
    try:
        as_of = dt.date.fromisoformat(args.as_of) if args.as_of else None
    except ValueError:
        raise UsageError(f"--as-of {args.as_of!r} is not a date (YYYY-MM-DD)") from None
    setup_django()
    from django.utils import timezone

    from successhub.accounts.models import Organisation
    from successhub.success import presentation, services
    from successhub.success.errors import ReportAlreadyPublished, SuccessError
    from successhub.success.models import ServiceReport
    from successhub.success.pdf import render_pdf

    try:
        organisation = Organisation.objects.get(code=args.org)
    except Organisation.DoesNotExist:
        raise UsageError(f"no customer with code {args.org!r}") from None
    as_of = as_of or timezone.localdate()
    try:
        report = services.generate_report(organisation, as_of)
    except ReportAlreadyPublished:
        _, start, _ = services.report_year(organisation, as_of)
        report = ServiceReport.objects.get(organisation=organisation, year_start=start)
    except SuccessError as exc:
        raise UsageError(exc.message_en) from None
    try:
        content = render_pdf(
            "success/report_pdf.html", {"item": report, "view": presentation.report_view(report, False)}
        )
    except SuccessError as exc:
        raise UsageError(exc.message_en) from None
    tmp = f"{args.out}.partial"
    try:
        with open(tmp, "wb") as handle:
            handle.write(content)
        os.replace(tmp, args.out)  # never a half-written file at the named path
    except OSError as exc:
        raise UsageError(f"cannot write {args.out}: {exc.strerror}") from None
    print(
        f"{args.out}: {report.year_start} – {report.year_end} ({report.get_status_display()}), {len(content)} bytes"
    )
    return 0
