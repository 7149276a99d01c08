"""IM human service pages: the customer's start page and chat, the agent console, transcripts.
Thin: parse, call one service or selector, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from successhub.accounts.models import User
from successhub.catalog.loader import get_catalog
from successhub.chat import selectors, services
from successhub.chat.errors import ChatError
from successhub.chat.models import ChatMessage, ChatSession, Entry, Presence
from successhub.security.params import parse_id


def _lang() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh"


def _session(request, session_id: int) -> ChatSession:
    try:
        return selectors.session_for(request.user, session_id)
    except ChatSession.DoesNotExist:
        raise Http404 from None


def _agent(request) -> User:
    if not services.is_agent(request.user):
        raise PermissionDenied
    return request.user


def _product_names(codes) -> list[tuple[str, str]]:
    labels = get_catalog().labels
    return [(code, labels.name("products", code, _lang())) for code in codes]


@login_required
def start(request):
    """From the bot's 转人工 (entry in_product) or the community (entry community)."""
    entry = request.GET.get("entry") or request.POST.get("entry") or Entry.IN_PRODUCT
    if entry not in Entry.values:
        entry = Entry.IN_PRODUCT
    conversation = request.GET.get("conversation") or request.POST.get("conversation") or ""
    products = services.chat_products(request.user) if request.user.is_customer else ()
    product = request.POST.get("product") or request.GET.get("product") or (products[0] if products else "")
    found = services.eligibility(request.user, product or None, entry)
    item = get_catalog().any_definition(services.SERVICE)
    schedule = (found.decision.schedule if found.decision else None) or (item.schedule if item else None)
    if request.method == "POST":
        try:
            session = services.start_chat(
                request.user,
                product,
                entry,
                request.POST.get("topic", ""),
                parse_id(conversation),
            )
            return redirect("chat:session", session_id=session.pk)
        except ChatError as exc:
            messages.error(request, exc.message(_lang()))
    return render(
        request,
        "chat/start.html",
        {
            "eligibility": found,
            "entry": entry,
            "conversation": conversation,
            "product": product,
            "products": _product_names(products),
            "explanation": found.explanation_en if _lang() == "en" else found.explanation,
            "summary": item.summary.get(_lang()) if item else "",
            "schedule_label": get_catalog().labels.name("schedules", schedule, _lang()) if schedule else "",
        },
    )


@login_required
@require_POST
def leave_message(request):
    """Outside hours: the message becomes a pre-filled ticket on the portal's form."""
    product = request.POST.get("product", "")
    try:
        prefill = services.left_message_prefill(request.user, product, request.POST.get("body", ""))
    except ChatError as exc:
        messages.error(request, exc.message(_lang()))
        return redirect(reverse("chat:start") + "?" + urlencode({"entry": request.POST.get("entry", "")}))
    via = request.POST.get("entry") if request.POST.get("entry") in Entry.values else Entry.IN_PRODUCT
    return redirect(reverse("tickets:portal_new") + "?" + urlencode(prefill | {"via": via}))


@login_required
def session_page(request, session_id: int):
    session = _session(request, session_id)
    if services.is_agent(request.user) and session.customer_id != request.user.pk:
        return redirect("chat:agent_session", session_id=session.pk)
    return render(request, "chat/session.html", {"session": session, "texts": _texts()})


def _texts() -> dict:
    return {
        "waiting": _("排队中：您前面还有 {n} 位，预计等待约 {m} 分钟。"),
        "active": _("工程师 {agent} 正在为您服务。"),
        "ended": _("会话已结束。"),
        "reconnecting": _("连接中断，正在重新连接…"),
        "you": _("我"),
        "agent": _("工程师"),
        "customer": _("客户"),
        "system": _("系统"),
        "too_long": _("消息太长了。"),
    }


@login_required
def session_state(request, session_id: int):
    session = _session(request, session_id)
    return JsonResponse(services.session_state(session))


@login_required
@require_POST
def end_session(request, session_id: int):
    session = _session(request, session_id)
    try:
        services.end(request.user, session)
    except ChatError as exc:
        messages.error(request, exc.message(_lang()))
    target = (
        "chat:agent_session"
        if services.is_agent(request.user) and session.customer_id != request.user.pk
        else "chat:session"
    )
    return redirect(target, session_id=session.pk)


@login_required
@require_POST
def rate_session(request, session_id: int):
    session = _session(request, session_id)
    try:
        services.rate(
            request.user, session, int(request.POST.get("score", "0") or 0), request.POST.get("comment", "")
        )
        messages.success(request, _("感谢您的评价！"))
    except (ChatError, ValueError) as exc:
        messages.error(
            request, exc.message(_lang()) if isinstance(exc, ChatError) else _("评分应为 1 到 5。")
        )
    return redirect("chat:session", session_id=session.pk)


@login_required
@require_POST
def upload(request, session_id: int):
    """An attachment, through the tickets' content checks, stored as a message and sent on."""
    from successhub.tickets.attachments import check_upload
    from successhub.tickets.errors import TicketError

    session = _session(request, session_id)
    upload_file = request.FILES.get("file")
    if upload_file is None:
        return JsonResponse({"code": "missing_file", "message": "Attach a file."}, status=422)
    try:
        checked = check_upload(upload_file)
        message, _created = services.post_message(
            session,
            request.user,
            request.POST.get("body", ""),
            request.POST.get("client_id", ""),
            attachment=upload_file,
            checked=checked,
        )
    except TicketError as exc:
        return JsonResponse(
            {"code": exc.code, "message": exc.message_zh if _lang() == "zh" else exc.message_en},
            status=exc.status,
        )
    except ChatError as exc:
        return JsonResponse({"code": exc.code, "message": exc.message(_lang())}, status=exc.status)
    return JsonResponse({"message": services.message_json(message)}, status=201)


@login_required
def attachment(request, message_id: int):
    message = ChatMessage.objects.select_related("session").filter(pk=message_id).first()
    if message is None or not message.attachment or not services.can_view(message.session, request.user):
        raise Http404
    response = FileResponse(
        message.attachment.open("rb"), as_attachment=True, filename=message.attachment_name
    )
    response["Content-Type"] = message.attachment_type or "application/octet-stream"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- agents ---------------------------------------------------------------------------------------------


@login_required
def console(request):
    agent = _agent(request)
    return render(
        request,
        "chat/console.html",
        {
            "status": services.agent_status(agent),
            "presences": Presence.choices,
            "queue": [(s, services.queue_info(s)) for s in selectors.waiting_queue(agent)[:50]],
            "active": selectors.my_active(agent),
        },
    )


@login_required
def console_queue(request):
    """The queue and my chats as an HTML fragment (htmx refreshes it when the queue socket says so)."""
    agent = _agent(request)
    return render(
        request,
        "chat/_queue.html",
        {
            "queue": [(s, services.queue_info(s)) for s in selectors.waiting_queue(agent)[:50]],
            "active": selectors.my_active(agent),
        },
    )


@login_required
@require_POST
def presence(request):
    agent = _agent(request)
    try:
        limit = request.POST.get("max_concurrent")
        services.set_presence(agent, request.POST.get("presence", ""), int(limit) if limit else None)
    except (ChatError, ValueError) as exc:
        messages.error(
            request, exc.message(_lang()) if isinstance(exc, ChatError) else _("同时接待上限应为数字。")
        )
    return redirect("chat:console")


@login_required
@require_POST
def accept(request, session_id: int):
    agent = _agent(request)
    try:
        session = services.accept(agent, _session(request, session_id))
        return redirect("chat:agent_session", session_id=session.pk)
    except ChatError as exc:
        messages.error(request, exc.message(_lang()))
        return redirect("chat:console")


@login_required
def agent_session(request, session_id: int):
    agent = _agent(request)
    session = _session(request, session_id)
    from successhub.tickets.categories import CATEGORIES

    engineers = User.objects.filter(role__in=services.AGENT_ROLES, is_active=True).exclude(pk=agent.pk)
    return render(
        request,
        "chat/agent_session.html",
        {
            "session": session,
            "context": selectors.customer_context(agent, session),
            "texts": _texts(),
            "canned": selectors.canned_replies(agent),
            "engineers": engineers,
            "categories": [c for c in CATEGORIES if not c.out_of_scope],
            "serving": session.agent_id == agent.pk,
        },
    )


@login_required
@require_POST
def transfer(request, session_id: int):
    agent = _agent(request)
    session = _session(request, session_id)
    to = User.objects.filter(pk=request.POST.get("to") or 0).first()
    try:
        if to is None:
            raise ChatError("请选择工程师。", "Choose an engineer.", code="invalid_transfer")
        services.transfer(agent, session, to)
        messages.success(request, _("已转接给 %(name)s。") % {"name": to})
        return redirect("chat:console")
    except ChatError as exc:
        messages.error(request, exc.message(_lang()))
        return redirect("chat:agent_session", session_id=session.pk)


@login_required
@require_POST
def to_ticket(request, session_id: int):
    agent = _agent(request)
    session = _session(request, session_id)
    try:
        ticket = services.convert_to_ticket(
            agent, session, category=request.POST.get("category", ""), title=request.POST.get("title", "")
        )
        messages.success(request, _("已转为工单 %(number)s。") % {"number": ticket.number})
    except ChatError as exc:
        messages.error(request, exc.message(_lang()))
    return redirect("chat:agent_session", session_id=session.pk)


@login_required
def transcripts(request):
    agent = _agent(request)
    query = request.GET.get("q", "")
    page = Paginator(selectors.search_transcripts(agent, query), 30).get_page(request.GET.get("page"))
    return render(request, "chat/transcripts.html", {"page": page, "query": query})
