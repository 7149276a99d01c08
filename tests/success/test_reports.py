"""The annual service report and the monthly ticket analysis: figures from the data, rule-based
suggestions, once per service year, a PDF whose Chinese text survives without the fonts."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from successhub.contracts.models import Product, UsageEntry
from successhub.success import reports, services
from successhub.success.errors import EntitlementDenied, ReportAlreadyPublished
from successhub.success.models import ReportStatus, ServiceReport
from successhub.tickets.models import Ticket

from .conftest import NOW, beijing

HAN = re.compile(r"[\u4e00-\u9fff]")


def _ticket(
    org,
    requester,
    n,
    created,
    *,
    category="application_problem",
    responded_after=None,
    channel="ticket_site",
    title=None,
):
    due = created + dt.timedelta(hours=8)
    return Ticket.objects.create(
        number=f"T{org.pk}-{n}",
        organisation=org,
        requester=requester,
        filed_by=requester,
        product=Product.objects.get(code="galaxy"),
        category=category,
        service="online_ticket",
        title=title or f"问题 {n}",
        description="…",
        channel=channel,
        sla_schedule="5x8",
        sla_target_minutes=480,
        first_response_due_at=due,
        first_response_at_risk_at=due - dt.timedelta(hours=2),
        created_at=created,
        first_responded_at=created + responded_after if responded_after is not None else None,
    )


@pytest.fixture
def year_of_tickets(advanced, customer):
    """12 tickets Jan–Jun 2026: 9 answered in an hour, 3 answered a day and a half late; 4 data problems."""
    for n in range(12):
        created = beijing(2026, 1 + n // 2, 5 + n, 9, 30)
        late = n in (1, 5, 9)
        _ticket(
            advanced,
            customer,
            n,
            created,
            category="data_problem" if n % 3 == 0 else "application_problem",
            responded_after=dt.timedelta(hours=36) if late else dt.timedelta(hours=1),
            title="凭证无法保存" if n < 3 else None,
            channel="hotline" if n == 0 else "ticket_site",
        )
    return advanced


@pytest.mark.django_db
def test_ticket_figures_from_the_data(year_of_tickets):
    figures = reports.ticket_figures(year_of_tickets, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert figures["total"] == 12
    assert [m["count"] for m in figures["months"]] == [2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0]
    assert figures["by_category"] == {"application_problem": 8, "data_problem": 4}
    assert figures["by_channel"] == {"ticket_site": 11, "hotline": 1}
    assert figures["by_product"] == {"galaxy": 12}
    assert figures["sla"] == {"measured": 12, "on_time": 9, "breached": 3, "attainment": 75.0}
    assert figures["repeats"] == [
        {"product": "galaxy", "category": "application_problem", "count": 8},
        {"product": "galaxy", "category": "data_problem", "count": 4},
    ]
    assert figures["repeat_titles"] == [{"title": "凭证无法保存", "count": 3}]


@pytest.mark.django_db
def test_a_month_counts_only_its_own_tickets(year_of_tickets):
    figures = reports.ticket_figures(year_of_tickets, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert figures["total"] == 2 and figures["months"] == [{"month": "2026-03", "count": 2}]


SUGGESTION_CASES = [
    (
        {"tickets": {"total": 10, "sla": {"attainment": 75.0}}},
        "首次响应达成率为 75.0%",
        "on time for 75.0% of tickets this year, below 90%",
    ),
    (
        {"tickets": {"total": 10, "by_category": {"data_problem": 5}}},
        "“数据问题”类问题占全部工单的 50%",
        "“Data problem” makes up 50% of all tickets",
    ),
    (
        {"tickets": {"total": 3, "repeats": [{"product": "galaxy", "category": "data_problem", "count": 3}]}},
        "同一产品（金蝶云·星空）的“数据问题”问题全年出现 3 次",
        "“Data problem” on the same product (Kingdee Cloud Galaxy) came up 3 times",
    ),
    (
        {
            "tickets": {
                "total": 9,
                "months": [{"month": str(i), "count": c} for i, c in enumerate([1, 1, 1, 3, 3, 3])],
            }
        },
        "下半年工单量较上半年明显增加",
        "Tickets rose markedly in the second half",
    ),
    ({"tickets": {"total": 20}, "bot": {"total": 2}}, "智能客服使用较少", "The support bot is little used"),
    (
        {"tickets": {"total": 0}, "chat": {"total": 10, "not_accepted": 4}},
        "IM 人工服务有 4 次会话未被工程师接入",
        "4 IM chats were not taken by an engineer",
    ),
    ({"tickets": {"total": 0}}, "尚未进行系统健康检查", "No health check yet"),
    (
        {"tickets": {"total": 0}, "critical_moments": []},
        "尚未使用关键时刻支持",
        "Critical-moment support is unused",
    ),
    (
        {
            "tickets": {"total": 0},
            "health_checks": [{"status": "completed"}],
            "critical_moments": [{"status": "delivered"}],
        },
        "系统运行与服务使用情况良好",
        "in good shape",
    ),
]


@pytest.mark.parametrize(
    ("figures", "chinese", "english"),
    SUGGESTION_CASES,
    ids=[
        "SLA attainment under 90% asks for a review",
        "one category over 40% suggests training",
        "a repeated problem asks for root-cause analysis",
        "a rising second half suggests a health check",
        "little bot use suggests self-service",
        "IM chats no engineer took suggest the service hours",
        "no health check this year suggests one",
        "unused critical moments are suggested",
        "nothing to say: a good-standing sentence",
    ],
)
def test_suggestion_rules_in_both_languages(figures, chinese, english):
    items = reports.suggestions(figures)
    texts = reports.suggestion_texts(items)
    assert any(chinese in s for s in texts), texts
    english_texts = reports.suggestion_texts(items, english=True)
    assert any(english in s for s in english_texts), english_texts
    assert not any(HAN.search(s) for s in english_texts), english_texts


def test_edited_suggestions_keep_the_rules_they_did_not_change(advanced, manager, freeze):
    freeze()
    report = services.generate_report(advanced, NOW.date(), actor=manager)
    generated = reports.suggestion_texts(report.suggestions)
    english = reports.suggestion_texts(report.suggestions, english=True)
    # The manager keeps the first (as the Chinese page shows it), the second as an English page shows it,
    # and writes one of their own.
    services.edit_suggestions(manager, report, [generated[0], english[1], "请安排凭证录入培训"])
    report.refresh_from_db()
    assert [type(s) for s in report.suggestions] == [dict, dict, str]
    assert reports.suggestion_texts(report.suggestions, english=True) == [
        english[0],
        english[1],
        "请安排凭证录入培训",
    ]


def test_the_report_page_edit_box_lists_the_suggestions_a_line_each(client, advanced, manager, freeze):
    freeze()
    report = services.generate_report(advanced, NOW.date(), actor=manager)
    client.force_login(manager)
    page = client.get(f"/success/reports/{report.pk}/").content.decode()
    box = page.split('id="id_suggestions"', 1)[1].split(">", 1)[1].split("</textarea>", 1)[0]
    assert box.strip().splitlines() == reports.suggestion_texts(report.suggestions)
    assert "{{" not in box


@pytest.mark.django_db
def test_published_once_per_service_year(year_of_tickets, manager, freeze):
    freeze()
    report = services.generate_report(year_of_tickets, NOW.date(), actor=manager)
    assert report.status == ReportStatus.DRAFT and (report.year_start, report.year_end) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 12, 31),
    )
    services.edit_suggestions(manager, report, ["请安排凭证录入培训", "  ", "月结前预约关键时刻支持"])
    report = services.publish_report(manager, report)
    assert report.status == ReportStatus.PUBLISHED
    assert UsageEntry.objects.get(service="service_report").reference == f"SR-{report.pk}"

    with pytest.raises(ReportAlreadyPublished):
        services.publish_report(manager, report)
    with pytest.raises(ReportAlreadyPublished) as again:
        services.generate_report(year_of_tickets, dt.date(2026, 11, 1), actor=manager)
    assert "已发布" in again.value.message_zh
    assert (
        ServiceReport.objects.count() == 1
        and UsageEntry.objects.filter(service="service_report").count() == 1
    )
    report.refresh_from_db()
    assert report.suggestions == ["请安排凭证录入培训", "月结前预约关键时刻支持"]
    # The next service year has its own report.
    assert services.generate_report(year_of_tickets, dt.date(2027, 3, 1)).year_start == dt.date(2027, 1, 1)


@pytest.mark.django_db
def test_a_standard_customer_has_no_report(make_org, add_contract):
    org = make_org()
    add_contract(org, "standard", start=dt.date(2026, 1, 1), amount="0")
    with pytest.raises(EntitlementDenied) as refused:
        services.generate_report(org, dt.date(2026, 6, 1))
    assert refused.value.code == "not_in_plan"


@pytest.mark.django_db
def test_queries_per_report_do_not_grow_with_the_data(advanced, customer):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            reports.annual_figures(advanced, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
        return len(queries)

    _ticket(advanced, customer, 0, beijing(2026, 2, 3, 10), responded_after=dt.timedelta(hours=1))
    few = count()
    for n in range(1, 40):
        _ticket(
            advanced, customer, n, beijing(2026, 1 + n % 12, 3, 10), responded_after=dt.timedelta(hours=1)
        )
    assert count() == few


def _fonts(path) -> dict[str, bool]:
    """Each font the PDF uses -> whether its program is embedded."""
    from pypdf import PdfReader

    fonts = {}
    for page in PdfReader(str(path)).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor else {}
            fonts[str(font["/BaseFont"])] = any(
                k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
            )
    return fonts


def _pdf_text(path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


@pytest.mark.django_db
def test_cli_writes_the_pdf_with_embedded_fonts(year_of_tickets, tmp_path):
    pytest.importorskip("weasyprint")
    if (
        not shutil.which("fc-list")
        or "Noto Sans CJK" not in subprocess.run(["fc-list"], capture_output=True, text=True).stdout
    ):
        pytest.skip("fonts-noto-cjk is not installed (make pdf)")
    from successhub.cli import main

    out = tmp_path / "report.pdf"
    assert (
        main(["report", "annual", "--org", year_of_tickets.code, "--out", str(out), "--as-of", "2026-06-10"])
        == 0
    )
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    # Every font is embedded (a font file in each descriptor), so the text does not depend on the reader's fonts.
    fonts = _fonts(out)
    assert any("Noto-Sans-CJK-SC" in name for name in fonts), fonts
    assert all(fonts.values()), fonts
    # One family, regular and bold: the charts and page numbers do not pull in a Latin or a Japanese face
    # (each embedded face is one more font to subset: the PDF's main cost).
    assert sorted(name.split("+", 1)[1] for name in fonts) == ["Noto-Sans-CJK-SC", "Noto-Sans-CJK-SC-Bold"]
    text = _pdf_text(out)
    assert "专属服务报告" in text and year_of_tickets.name in text
    assert "首次响应达成率" in text and "改善建议" in text
    # The charts are drawn: the monthly bars are vector paths with their value labels.
    assert "每月工单量" in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--org", "nobody"], "no customer"),
        (["--org", "{org}", "--as-of", "2026-13-01"], "not a date"),
        (["--org", "{org}", "--as-of", "2020-01-01"], "no service contract in force"),
    ],
    ids=["unknown customer", "bad date", "outside any contract"],
)
def test_cli_bad_input_is_one_line_and_writes_nothing(advanced, tmp_path, capsys, argv, message):
    from successhub.cli import main

    out = tmp_path / "r.pdf"
    argv = [a.replace("{org}", advanced.code) for a in argv]
    assert main(["report", "annual", "--out", str(out), *argv]) == 2
    assert message in capsys.readouterr().err.lower()
    assert not out.exists() and not ServiceReport.objects.exists()


@pytest.mark.django_db
def test_monthly_analysis_is_annotated_and_sent(year_of_tickets, manager, customer):
    from successhub.notifications.models import Notification

    analysis = services.generate_analysis(manager, year_of_tickets, dt.date(2026, 3, 15))
    assert (analysis.period_start, analysis.period_end, analysis.figures["total"]) == (
        dt.date(2026, 3, 1),
        dt.date(2026, 3, 31),
        2,
    )
    services.annotate_and_send_analysis(manager, analysis, "3 月工单平稳，数据类问题建议培训。")
    assert Notification.objects.filter(recipient=customer, kind="success.ticket_analysis").exists()
    from successhub.success.errors import InvalidState

    with pytest.raises(InvalidState):
        services.generate_analysis(manager, year_of_tickets, dt.date(2026, 3, 1))


@pytest.mark.django_db
def test_hotline_calls_are_counted_by_month(advanced, customer):
    from successhub.hotline.models import Call

    for n, (month, fatal) in enumerate([(2, True), (2, False), (5, False)]):
        Call.objects.create(
            organisation=advanced,
            caller=customer,
            caller_phone="13900000000",
            classification="fatal_fault" if fatal else "product_problem",
            fatal=fatal,
            created_at=beijing(2026, month, 3 + n, 10),
        )
    hotline = reports.annual_figures(advanced, dt.date(2026, 1, 1), dt.date(2026, 12, 31))["hotline"]
    assert (hotline["total"], hotline["fatal"]) == (3, 1)
    assert [m["count"] for m in hotline["months"]][:6] == [0, 2, 0, 0, 1, 0]


@pytest.mark.django_db
def test_every_channel_the_customer_used_is_counted(advanced, customer, manager):
    """Tickets, the hotline, IM chats, the dedicated IM group and the bot: totals and months side by side."""
    from successhub.assistant.models import Conversation
    from successhub.chat.models import ChatSession
    from successhub.hotline.models import Call
    from successhub.imgroups.models import GroupMessage, ServiceGroup

    _ticket(advanced, customer, 0, beijing(2026, 1, 5, 10), responded_after=dt.timedelta(hours=1))
    Call.objects.create(organisation=advanced, caller=customer, created_at=beijing(2026, 2, 3, 10))
    Call.objects.create(organisation=advanced, status="missed", created_at=beijing(2026, 2, 4, 10))
    for day, accepted, csat, month in ((3, True, 5, 3), (4, True, 4, 3), (5, False, None, 4)):
        at = beijing(2026, month, day, 14)
        ChatSession.objects.create(
            customer=customer,
            organisation=advanced,
            product="galaxy",
            status="ended",
            created_at=at,
            accepted_at=at + dt.timedelta(minutes=2) if accepted else None,
            csat=csat,
        )
    group = ServiceGroup.objects.create(organisation=advanced, tool="wecom", name="群", requested_by=customer)
    for day, late in ((6, False), (7, True)):
        at = beijing(2026, 5, day, 9)
        GroupMessage.objects.create(
            group=group,
            kind="customer",
            body="请看一下",
            received_at=at,
            response_due_at=at + dt.timedelta(minutes=30),
            responded_at=at + dt.timedelta(minutes=90 if late else 10),
        )
    GroupMessage.objects.create(
        group=group, kind="engineer", body="好的", received_at=beijing(2026, 5, 6, 9, 10)
    )
    Conversation.objects.create(organisation=advanced, user=customer, created_at=beijing(2026, 6, 1, 10))
    # Another customer's use is not counted.
    other = ServiceGroup.objects.create(
        organisation=advanced.__class__.objects.create(name="别家", code="other"),
        tool="wecom",
        name="别家群",
        requested_by=customer,
    )
    GroupMessage.objects.create(group=other, kind="customer", body="x", received_at=beijing(2026, 5, 6, 9))

    figures = reports.annual_figures(advanced, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert (figures["hotline"]["total"], figures["hotline"]["missed"]) == (2, 1)
    assert {k: figures["chat"][k] for k in ("total", "accepted", "not_accepted", "rating")} == {
        "total": 3,
        "accepted": 2,
        "not_accepted": 1,
        "rating": 4.5,
    }
    assert {k: figures["im_group"][k] for k in ("total", "answered", "on_time")} == {
        "total": 2,
        "answered": 2,
        "on_time": 1,
    }
    use = {row["channel"]: (row["total"], row["months"][:6]) for row in reports.channel_use(figures)}
    assert use == {
        "online_ticket": (1, [1, 0, 0, 0, 0, 0]),
        "hotline": (2, [0, 2, 0, 0, 0, 0]),
        "im_service": (3, [0, 0, 2, 1, 0, 0]),
        "dedicated_im_group": (2, [0, 0, 0, 0, 2, 0]),
        "smart_service": (1, [0, 0, 0, 0, 0, 1]),
    }

    report = services.generate_report(advanced, dt.date(2026, 6, 10), actor=manager)
    from successhub.success import presentation

    view = presentation.report_view(report, english=False)
    assert [row["name"] for row in view["channels"]] == [
        "在线工单",
        "热线服务",
        "IM 人工服务",
        "专属 IM 服务群",
        "智能客服",
    ]
    assert view["channel_chart"].count("<rect") > 5
    english = presentation.report_view(report, english=True)
    assert english["channels"][2]["name"] == "IM human service"
