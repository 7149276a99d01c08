"""Ticket pages: the customer portal (my organisation's tickets) and the agent workspace.

Thin views: parse the form, call one service or selector, render. A refusal is shown as its
sentence in the page's language (Chinese or English) and the page is rendered again with what the
user typed, so nothing is lost.
"""

from __future__ import annotations

from dataclasses import replace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from successhub.accounts.models import User
from successhub.catalog.loader import get_catalog
from successhub.contracts.models import Deployment
from successhub.contracts.selectors import entitlements_for
from successhub.core.reasons import reason_of
from successhub.security.params import parse_id, parse_int
from successhub.tickets import selectors, sla
from successhub.tickets.categories import CATEGORIES
from successhub.tickets.errors import InvalidInput, TicketError
from successhub.tickets.models import Channel, ContactPreference, EngineerSkill, MessageKind, Status, Ticket
from successhub.tickets.services import assignment, filing, working
from successhub.web.handoff import instead_of


def _customer(request) -> User:
    if not request.user.is_customer:
        raise PermissionDenied
    return request.user


def _staff(request) -> User:
    if request.user.is_customer:
        raise PermissionDenied
    return request.user


def _ticket(request, number: str) -> Ticket:
    try:
        return selectors.ticket_for(request.user, number)
    except Ticket.DoesNotExist:
        raise Http404("没有这个工单。") from None


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _refused(request, exc: TicketError) -> None:
    messages.error(request, exc.message_en if _english() else exc.message_zh)


# --- customer portal ------------------------------------------------------------------------------


@login_required
@require_GET
def portal_list(request):
    if not request.user.is_customer:
        return redirect("tickets:workspace")
    status = request.GET.get("status", "")
    products = _product_choices(request.user)
    product = request.GET.get("product", "")
    product = product if product in dict(products) else ""
    search = request.GET.get("q", "").strip()[:100]
    page = selectors.portal_tickets_for(
        request.user, status, request.GET.get("page", 1), product=product, search=search
    )
    rows = list(zip(page.object_list, sla.statuses(page.object_list), strict=True))
    # The filters stay in the URL: the pager's links carry them, so a page can be bookmarked or shared.
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "rows": rows,
        "status": status,
        "statuses": Status.choices,
        "product": product,
        "products": products,
        "search": search,
        "query": query.urlencode(),
    }
    return render(request, "tickets/portal_list.html", context)


def _product_choices(user: User) -> list[tuple[str, str]]:
    """The organisation's own products (a deployment of EAS Cloud covers s-HR); all of them if none is recorded."""
    labels = get_catalog().labels
    deployed = list(
        Deployment.objects.filter(organisation_id=user.organisation_id).values_list("product__code", flat=True)
    )
    parts = [code for code, parent in labels.product_parents.items() if parent in deployed]
    codes = list(dict.fromkeys([*deployed, *parts])) or list(labels.products)
    language = "en" if _english() else "zh"
    return [(code, labels.name("products", code, language)) for code in codes]


# Where a customer goes when no ticket category is open to them, most direct first.
_OTHER_ROUTES = ("im_service", "hotline", "smart_service", "community", "demand_listening")


def _ticket_access(user: User) -> dict:
    """Whether any ticket category is open to this customer and, if none is, why and where to go instead."""
    from successhub.contracts.selectors import decisions_for_user
    from successhub.web import rights

    decisions = decisions_for_user(user)
    # A demand is not a support ticket: a plan whose only open category is the demand one (需求聆听)
    # has no tickets, and the innovation square is offered among the routes instead.
    services = {category.service for category in CATEGORIES} - {"demand_listening"}
    if any(decisions[code].allowed for code in services) or not user.is_verified:
        return {"can_file": True}
    organisation = user.organisation
    routes = [rights.action_for(code, organisation, decisions[code]) for code in _OTHER_ROUTES
              if decisions[code].allowed]
    refusal = decisions["online_ticket"]
    return {
        "can_file": False,
        "why": refusal.explanation_en if _english() else refusal.explanation,
        "routes": [route for route in routes if route is not None],
    }


# The ticket site is the portal's own channel; the community's 联系我们 → 售后在线服务 entry links here
# with ?via=community, so the ticket records that it came through the community.
_VIA_CHANNELS = frozenset({Channel.COMMUNITY})


def _portal_channel(request) -> str:
    via = request.POST.get("via") or request.GET.get("via", "")
    return via if via in _VIA_CHANNELS else Channel.TICKET_SITE


def _filing_options(user, product: str, channel: str) -> list[selectors.FilingOption]:
    """The categories' decisions; a refused one also names the service to use instead."""
    options = selectors.filing_options(user, product, channel)
    if (
        all(option.allowed or reason_of(option.code) is None for option in options)
        or not user.organisation_id
    ):
        return options
    allowed = {d.service for d in entitlements_for(user.organisation) if d.allowed}
    language = "en" if (get_language() or "").startswith("en") else "zh"
    return [
        option
        if option.allowed
        else replace(option, instead=instead_of(option.code, allowed.__contains__, language))
        for option in options
    ]


@login_required
def portal_new(request):
    user = _customer(request)
    channel = _portal_channel(request)
    form = {
        "product": request.POST.get("product", request.GET.get("product", "")),
        "category": request.POST.get("category", request.GET.get("category", "")),
        "title": request.POST.get("title", request.GET.get("title", "")),
        "description": request.POST.get("description", request.GET.get("description", "")),
        "contact_preference": request.POST.get("contact_preference", ContactPreference.PORTAL),
    }
    status = 200
    if request.method == "POST":
        try:
            ticket = filing.file_ticket(
                requester=user,
                filed_by=user,
                product_code=form["product"],
                category=form["category"],
                title=form["title"],
                description=form["description"],
                channel=channel,
                contact_preference=form["contact_preference"],
                attachments=request.FILES.getlist("attachments"),
            )
        except TicketError as exc:
            _refused(request, exc)
            status = exc.status if exc.status != 409 else 422
        else:
            due = timezone.localtime(ticket.first_response_due_at)
            messages.success(
                request,
                _("工单 %(number)s 已提交，我们将在 %(due)s 前首次响应。")
                % {"number": ticket.number, "due": f"{due:%Y-%m-%d %H:%M}"},
            )
            return redirect("tickets:portal_detail", ticket.number)
    products = _product_choices(user)
    form["product"] = form["product"] or (products[0][0] if products else "")
    access = _ticket_access(user)
    return render(
        request,
        "tickets/portal_new.html",
        {
            "form": form,
            "products": products,
            "categories": CATEGORIES,
            "contact_preferences": ContactPreference.choices,
            "options": _filing_options(user, form["product"], channel),
            "via": channel if channel in _VIA_CHANNELS else "",
            "verified": user.is_verified,
            **access,
        },
        status=status,
    )


@login_required
@require_GET
def portal_check(request):
    """htmx: the entitlement decision per category for the chosen product, before typing the rest."""
    user = _customer(request)
    return render(
        request,
        "tickets/_eligibility.html",
        {
            "options": _filing_options(user, request.GET.get("product", ""), _portal_channel(request)),
            "chosen": request.GET.get("category", ""),
        },
    )


def _portal_context(request, ticket: Ticket, **extra) -> dict:
    user = request.user
    return {
        "ticket": ticket,
        "sla": sla.status_of(ticket),
        "thread": selectors.thread_for(user, ticket),
        "files": selectors.ticket_attachments_for(user, ticket),
        "transitions": working.allowed_transitions(ticket, user),
        "can_rate": working.can_rate(ticket),
        "can_withdraw": working.can_withdraw(ticket, user),
        **extra,
    }


@login_required
@require_GET
def portal_detail(request, number: str):
    if not request.user.is_customer:
        return redirect("tickets:workspace_detail", number)
    ticket = _ticket(request, number)
    return render(request, "tickets/portal_detail.html", _portal_context(request, ticket))


def _act(request, number: str, action, success: str, *, side: str, **keep):
    """Run one ticket action from a detail page; on refusal re-render it with what the user typed.

    ``side`` is ``portal`` (customers) or ``workspace`` (staff): who may act, which page and context.
    """
    guard, template, context, detail = _SIDES[side]
    guard(request)
    ticket = _ticket(request, number)
    try:
        action(ticket)
    except TicketError as exc:
        _refused(request, exc)
        return render(request, template, context(request, ticket, **keep), status=exc.status)
    messages.success(request, success)
    return redirect(detail, ticket.number)


def _portal_action(request, number: str, action, success: str, **keep):
    return _act(request, number, action, success, side="portal", **keep)


@login_required
@require_POST
def portal_reply(request, number: str):
    body = request.POST.get("body", "")
    return _portal_action(
        request,
        number,
        lambda t: working.reply(t, request.user, body, attachments=request.FILES.getlist("attachments")),
        _("回复已发送。"),
        reply_body=body,
    )


@login_required
@require_POST
def portal_upload(request, number: str):
    return _portal_action(
        request,
        number,
        lambda t: working.add_attachments(t, request.user, request.FILES.getlist("attachments")),
        _("附件已上传。"),
    )


@login_required
@require_POST
def portal_status(request, number: str):
    to = request.POST.get("status", "")
    label = _("已确认解决，工单已关闭。") if to == Status.CLOSED else _("工单已重新打开。")
    return _portal_action(request, number, lambda t: working.change_status(t, request.user, to), label)


@login_required
@require_POST
def portal_withdraw(request, number: str):
    reason = request.POST.get("reason", "")
    return _portal_action(
        request,
        number,
        lambda t: working.withdraw(t, request.user, reason),
        _("工单已撤回。"),
        withdraw_reason=reason,
    )


@login_required
@require_POST
def portal_rate(request, number: str):
    comment = request.POST.get("comment", "")
    score = parse_int(request.POST.get("score"), default=0, maximum=1000) or 0
    return _portal_action(
        request,
        number,
        lambda t: working.rate(t, request.user, score, comment),
        _("感谢您的评价！"),
        rating_comment=comment,
    )


@login_required
@require_GET
def attachment(request, attachment_id: int):
    """A file, only for someone who may see its ticket (internal files for staff only)."""
    try:
        found = selectors.attachment_for(request.user, attachment_id)
    except Exception as exc:  # noqa: BLE001 - any lookup failure is "not found" to the caller
        raise Http404("没有这个附件。") from exc
    response = FileResponse(
        found.file.open("rb"), as_attachment=True, filename=found.name, content_type=found.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- agent workspace ------------------------------------------------------------------------------


def _queue_filters(request) -> selectors.QueueFilters:
    organisation = request.GET.get("organisation", "")
    return selectors.QueueFilters(
        product=request.GET.get("product", ""),
        category=request.GET.get("category", ""),
        status=request.GET.get("status", "open"),
        organisation=parse_id(organisation),
        assignee=request.GET.get("assignee", ""),
        breached=request.GET.get("breached") == "1",
        search=request.GET.get("q", "").strip(),
    )


@login_required
@require_GET
def workspace(request):
    user = _staff(request)
    filters = _queue_filters(request)
    now = timezone.now()
    page = selectors.queue_for(user, filters, request.GET.get("page", 1), now, summary_only=True)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "rows": _queue_rows(page.object_list, now),
        "filters": filters,
        "query": query.urlencode(),
        "products": [
            (code, name.get("en" if _english() else "zh"))
            for code, name in get_catalog().labels.products.items()
        ],
        "categories": CATEGORIES,
        "statuses": Status.choices,
        "organisations": selectors.organisations_with_tickets(),
        "engineers": selectors.engineers(),
    }
    template = "tickets/_queue_table.html" if request.headers.get("HX-Request") else "tickets/workspace.html"
    return render(request, template, context)


# The queue's rows are built from one pattern with format_html: the template engine costs some
# 15 µs per variable, and a page of 50 rows has 700 of them, most of the page's CPU.
_ROW = (
    '<tr data-number="{number}"><td><a href="{url}">{number}</a></td><td>{title}{badges}</td>'
    '<td>{organisation}</td><td>{product}<div class="muted">{category}</div></td>'
    '<td><span class="badge {status_class}">{status_label}</span>{withdrawn}</td><td>{assignee}</td>'
    '<td><span class="badge {sla_class}" data-sla="{sla_state}">{sla_label}</span> '
    '<span class="muted">{sla_remaining}</span><div class="muted">{sla_due}</div></td></tr>'
)


def _queue_rows(tickets, now) -> list[str]:
    """The table rows of a queue page, as safe HTML."""
    status_labels = {value: str(label) for value, label in Status.choices}
    category_labels = {c.code: _(c.name.zh) for c in CATEGORIES}
    urgent = format_html(' <span class="badge warn">{}</span>', _("紧急"))
    escalated = format_html(' <span class="badge no">{}</span>', _("已升级"))
    withdrawn = format_html(' <span class="badge warn">{}</span>', _("已撤回"))
    # Safe + plain str is plain (and escaped): the badges are joined as safe strings only.
    none = mark_safe("")
    detail_url = reverse("tickets:workspace_detail", args=["NUMBER"])
    rows = []
    for ticket, status in zip(tickets, sla.statuses(tickets, now), strict=True):
        rows.append(
            format_html(
                _ROW,
                number=ticket.number,
                url=detail_url.replace("NUMBER", ticket.number),
                title=ticket.title,
                badges=(urgent if ticket.urgent else none) + (escalated if ticket.escalated else none),
                organisation=ticket.organisation.name,
                product=ticket.product.name,
                category=category_labels.get(ticket.category, ticket.category),
                status_label=status_labels[ticket.status],
                status_class="open" if ticket.is_open else "closed",
                withdrawn=withdrawn if ticket.withdrawn_at else "",
                assignee=str(ticket.assignee) if ticket.assignee_id else "—",
                sla_state=status.state,
                sla_label=status.label,
                sla_remaining=status.remaining_text,
                sla_due=f"{timezone.localtime(status.due_at):%Y-%m-%d %H:%M}",
                sla_class=_SLA_CLASSES[status.state],
            )
        )
    return rows


_SLA_CLASSES = {
    sla.BREACHED: "no",
    sla.AT_RISK: "warn",
    sla.MET: "ok",
    sla.ON_TRACK: "open",
    sla.STOPPED: "closed",
}


def _workspace_context(request, ticket: Ticket, **extra) -> dict:
    user = request.user
    return {
        "ticket": ticket,
        "sla": sla.status_of(ticket),
        "thread": selectors.thread_for(user, ticket),
        "files": selectors.ticket_attachments_for(user, ticket),
        "transitions": [(s, Status(s).label) for s in working.allowed_transitions(ticket, user)],
        "history": selectors.customer_history(user, ticket),
        "engineers": selectors.engineers(),
        "contact_kinds": [
            (MessageKind.PHONE_CONTACT, _("电话联系")),
            (MessageKind.REMOTE_ASSISTANCE, _("远程协助")),
        ],
        **extra,
    }


@login_required
@require_GET
def workspace_detail(request, number: str):
    _staff(request)
    ticket = _ticket(request, number)
    return render(request, "tickets/workspace_detail.html", _workspace_context(request, ticket))


def _workspace_action(request, number: str, action, success: str, **keep):
    return _act(request, number, action, success, side="workspace", **keep)


@login_required
@require_POST
def workspace_reply(request, number: str):
    body = request.POST.get("body", "")
    internal = request.POST.get("internal") == "1"
    return _workspace_action(
        request,
        number,
        lambda t: working.reply(
            t, request.user, body, internal=internal, attachments=request.FILES.getlist("attachments")
        ),
        _("内部备注已保存。") if internal else _("回复已发送给客户。"),
        reply_body=body,
    )


@login_required
@require_POST
def workspace_status(request, number: str):
    to = request.POST.get("status", "")
    return _workspace_action(
        request, number, lambda t: working.change_status(t, request.user, to), _("状态已更新。")
    )


@login_required
@require_POST
def workspace_assign(request, number: str):
    raw = request.POST.get("assignee", "")

    def assign(ticket):
        engineer = None
        if raw:
            engineer_id = parse_id(raw)
            engineer = User.objects.filter(pk=engineer_id, is_active=True).first() if engineer_id else None
            if engineer is None:
                raise InvalidInput("处理人不存在。", "No such engineer.")
        assignment.assign(ticket, request.user, engineer)

    return _workspace_action(request, number, assign, _("已分派。"))


@login_required
@require_POST
def workspace_contact(request, number: str):
    kind = request.POST.get("kind", "")
    body = request.POST.get("body", "")
    details = {
        k: request.POST.get(k, "").strip()
        for k in ("tool", "session", "duration_minutes", "phone")
        if request.POST.get(k, "").strip()
    }
    return _workspace_action(
        request,
        number,
        lambda t: working.log_contact(t, request.user, kind, body, details=details),
        _("联系记录已保存。"),
        contact_body=body,
    )


@login_required
@require_POST
def workspace_merge(request, number: str):
    into = request.POST.get("into", "").strip()

    def merge(ticket):
        try:
            target = selectors.ticket_for(request.user, into)
        except Ticket.DoesNotExist:
            raise InvalidInput(f"没有工单 {into}。", f"No ticket {into}.") from None
        working.merge(ticket, target, request.user)

    return _workspace_action(request, number, merge, _("已合并至 %(number)s。") % {"number": into})


# --- engineer skills (round-robin assignment) --------------------------------------------------------


def _skills_context(request) -> dict:
    return {"board": selectors.skill_board(), "can_manage": assignment.can_manage_skills(request.user)}


@login_required
@require_GET
def workspace_skills(request):
    """Every engineer × product skill: service admins change them, other staff see them."""
    _staff(request)
    return render(request, "tickets/workspace_skills.html", _skills_context(request))


def _skills_action(request, action, success: str):
    """Run one skill change; on refusal show the page again with the reason (and its status)."""
    _staff(request)
    try:
        action()
    except TicketError as exc:
        _refused(request, exc)
        return render(request, "tickets/workspace_skills.html", _skills_context(request), status=exc.status)
    messages.success(request, success)
    return redirect("tickets:workspace_skills")


def _skill(skill_id: int) -> EngineerSkill:
    try:
        return selectors.skill_for(skill_id)
    except EngineerSkill.DoesNotExist:
        raise Http404("没有这项技能。") from None


@login_required
@require_POST
def workspace_skill_add(request):
    engineer, product = request.POST.get("engineer", ""), request.POST.get("product", "")
    return _skills_action(
        request,
        lambda: assignment.add_skill(
            request.user,
            engineer_id=parse_id(engineer) or 0,
            product_id=parse_id(product) or 0,
            active=request.POST.get("active", "1") == "1",
        ),
        _("技能已添加。"),
    )


@login_required
@require_POST
def workspace_skill_active(request, skill_id: int):
    _staff(request)
    skill = _skill(skill_id)
    active = request.POST.get("active") == "1"
    return _skills_action(
        request,
        lambda: assignment.set_skill_active(request.user, skill, active),
        _("已恢复自动分派。") if active else _("已暂停自动分派。"),
    )


@login_required
@require_POST
def workspace_skill_remove(request, skill_id: int):
    _staff(request)
    skill = _skill(skill_id)
    return _skills_action(request, lambda: assignment.remove_skill(request.user, skill), _("技能已移除。"))


_SIDES = {
    "portal": (_customer, "tickets/portal_detail.html", _portal_context, "tickets:portal_detail"),
    "workspace": (_staff, "tickets/workspace_detail.html", _workspace_context, "tickets:workspace_detail"),
}
