"""Pages of the dedicated IM group (thin: selectors, services and the tool's setup form), and the callback."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from successhub import integrations
from successhub.accounts.models import Role, User
from successhub.imgroups import selectors, services
from successhub.imgroups.errors import GroupError
from successhub.imgroups.models import GroupMessage, Membership, ServiceGroup
from successhub.imgroups.scope import REASONS as SCOPE_REASONS
from successhub.integrations.base import InboundRejected, InboundRequest
from successhub.notifications.models import GroupPreference
from successhub.notifications.robots import OPT_IN_GROUP_KINDS, send_robot_test

logger = logging.getLogger("successhub.imgroups")

# The kinds a customer admin can send to the group (ticket news and SLA warnings are opt-in), and
# what the page calls them (never the code).
GROUP_KIND_LABELS = {
    "ticket.sla_at_risk": gettext_noop("工单即将超时"),
    "ticket.sla_breached": gettext_noop("工单已超时"),
    "ticket.replied": gettext_noop("工单有新回复"),
    "ticket.status_changed": gettext_noop("工单状态变更"),
}
GROUP_KINDS = sorted(OPT_IN_GROUP_KINDS)


def _refused(request, exc: GroupError) -> None:
    messages.error(request, exc.message_en if get_language().startswith("en") else exc.message)


# --- the customer's page -----------------------------------------------------------------------------


@login_required
def portal(request):
    user = request.user
    if not user.is_customer:
        return redirect("imgroups:workspace")
    group = selectors.group_for(user)
    decided = services.decision(user.organisation)
    if request.method == "POST":
        _portal_action(request, group)
        return redirect("imgroups:portal")
    is_admin = user.role == Role.CUSTOMER_ADMIN
    candidates = User.objects.filter(
        organisation=user.organisation, is_active=True, role__in=[Role.CUSTOMER_USER, Role.CUSTOMER_ADMIN]
    ).order_by("username")
    members = list(selectors.members(group)) if group else []
    active_ids = {m.user_id for m in members if m.active and m.side == Membership.Side.CUSTOMER}
    prefs = dict(GroupPreference.objects.filter(organisation=user.organisation).values_list("kind", "wanted"))
    return render(
        request,
        "imgroups/portal.html",
        {
            "group": group,
            "decision": decided,
            "explanation": decided.explanation_en if get_language().startswith("en") else decided.explanation,
            "tools": [integrations.tool(code) for code in (decided.item.im_tools or ())]
            if decided.item
            else [],
            "max_members": decided.item.max_members if decided.item else None,
            "is_admin": is_admin,
            "candidates": [c for c in candidates if c.pk not in active_ids],
            "active_members": [m for m in members if m.active and m.side == Membership.Side.CUSTOMER],
            "vendor_members": [m for m in members if m.active and m.side == Membership.Side.VENDOR],
            "history": [m for m in members if not m.active],
            "group_kinds": [
                (kind, _(GROUP_KIND_LABELS.get(kind, gettext_noop("其他通知"))), prefs.get(kind, False))
                for kind in GROUP_KINDS
            ],
            "tool_name": integrations.tool(group.tool).name(get_language()) if group else "",
        },
    )


def _portal_action(request, group: ServiceGroup | None) -> None:
    user = request.user
    action = request.POST.get("action", "")
    try:
        if action == "request":
            chosen = User.objects.filter(
                pk__in=request.POST.getlist("members"), organisation=user.organisation
            )
            services.request_group(user, request.POST.get("tool", ""), list(chosen))
            messages.success(request, _("已提交专属 IM 服务群申请，服务人员将尽快开通。"))
        elif action == "add" and group is not None:
            member = User.objects.filter(
                pk=request.POST.get("user") or 0, organisation=user.organisation
            ).first()
            if member is None:
                messages.error(request, _("请选择要添加的成员。"))
                return
            services.add_member(user, group, member)
            messages.success(request, _("已添加成员 %(name)s。") % {"name": member})
        elif action == "remove" and group is not None:
            membership = Membership.objects.filter(
                pk=request.POST.get("membership") or 0, group=group
            ).first()
            if membership is not None:
                services.remove_member(user, membership)
                messages.success(request, _("已移出成员 %(name)s。") % {"name": membership.user})
        elif action == "preferences":
            for kind in GROUP_KINDS:
                services.set_group_preference(
                    user, user.organisation, kind, request.POST.get(f"kind:{kind}") == "on"
                )
            messages.success(request, _("专属群通知设置已保存。"))
    except GroupError as exc:
        _refused(request, exc)


# --- the engineers' pages ----------------------------------------------------------------------------


def _staff_only(request) -> None:
    if not request.user.is_authenticated or request.user.is_customer:
        raise Http404


@login_required
def workspace(request):
    _staff_only(request)
    groups = selectors.visible_groups(request.user).order_by("status", "-requested_at")[:200]
    return render(
        request,
        "imgroups/workspace.html",
        {
            "queue": selectors.engineer_queue(request.user),
            "groups": [(g, integrations.tool(g.tool).name(get_language())) for g in groups],
        },
    )


@login_required
def workspace_group(request, group_id: int):
    _staff_only(request)
    try:
        group = selectors.group(request.user, group_id)
    except ServiceGroup.DoesNotExist:
        raise Http404 from None
    tool = integrations.tool(group.tool)
    form = tool.setup_form()
    if request.method == "POST":
        form = _workspace_action(request, group, tool) or form
        if not form.errors:
            return redirect("imgroups:workspace_group", group_id=group.pk)
    thread = selectors.thread(group)
    return render(
        request,
        "imgroups/workspace_group.html",
        {
            "group": group,
            "tool": tool,
            "tool_name": tool.name(get_language()),
            "form": form,
            "thread": [(m, selectors.clock(m)) for m in thread],
            "members": list(selectors.members(group)),
            "staff": User.objects.exclude(role__in=[Role.CUSTOMER_USER, Role.CUSTOMER_ADMIN])
            .filter(is_active=True)
            .order_by("username"),
            "scope_reasons": list(SCOPE_REASONS.values()),
            "callback_path": f"/im/callback/{group.tool}/{group.callback_key}/",
            "products": _products(),
            "categories": _categories(),
        },
    )


def _products():
    from successhub.catalog.loader import get_catalog

    return sorted(get_catalog().labels.products.items())


def _categories():
    from successhub.tickets.categories import CATEGORIES

    return [c for c in CATEGORIES if not c.out_of_scope]


def _workspace_action(request, group: ServiceGroup, tool):
    user, post = request.user, request.POST
    action = post.get("action", "")
    try:
        if action == "bind":
            form = tool.setup_form(post)
            if not form.is_valid():
                return form
            url, secret = form.robot_values()
            services.bind(user, group, webhook_url=url, secret=secret, credentials=form.credentials())
            messages.success(request, _("已保存绑定设置（密钥已加密保存，不再显示）。"))
        elif action == "test":
            if group.robot is None:
                messages.error(request, _("尚未绑定机器人。"))
                return None
            result = send_robot_test(group.robot, post.get("text") or _("SuccessHub 测试消息"))
            if result.ok:
                messages.success(
                    request,
                    _("测试消息已送达（HTTP %(status)s，返回码 %(code)s）。")
                    % {"status": result.status, "code": result.code},
                )
            else:
                messages.error(
                    request,
                    _("测试消息被拒绝（HTTP %(status)s，返回码 %(code)s：%(message)s）。")
                    % {"status": result.status or "-", "code": result.code or "-", "message": result.message},
                )
        elif action == "answer":
            services.answer(user, group, post.get("text", ""))
            messages.success(request, _("回复已发送到群。"))
        elif action in {"ticket", "scope"}:
            message = GroupMessage.objects.filter(pk=post.get("message") or 0, group=group).first()
            if message is None:
                raise Http404
            if action == "ticket":
                ticket = services.to_ticket(
                    user, message, product_code=post.get("product", ""), category=post.get("category", "")
                )
                messages.success(request, _("已转为工单 %(number)s。") % {"number": ticket.number})
            else:
                services.mark_out_of_scope(user, message, post.get("code", ""))
                messages.success(request, _("已告知客户该问题超出服务范围。"))
        elif action == "vendor":
            staff = User.objects.filter(pk=post.get("user") or 0).first()
            if staff is not None:
                services.add_vendor_member(user, group, staff, post.get("im_id", ""))
        elif action == "im_id":
            membership = Membership.objects.filter(pk=post.get("membership") or 0, group=group).first()
            if membership is not None:
                services.set_im_id(user, membership, post.get("im_id", ""))
    except GroupError as exc:
        _refused(request, exc)
    except Exception as exc:  # a ticket refusal (entitlement, category) carries its own sentence
        message = getattr(exc, "message", None)
        if message is None:
            raise
        messages.error(request, message)
    return None


@login_required
@require_POST
def remove_vendor(request, group_id: int, membership_id: int):
    _staff_only(request)
    membership = Membership.objects.filter(pk=membership_id, group_id=group_id).first()
    if membership is None:
        raise Http404
    services.remove_member(request.user, membership)
    return redirect("imgroups:workspace_group", group_id=group_id)


# --- the tools' callbacks ----------------------------------------------------------------------------


@csrf_exempt
def callback(request, tool: str, key: str):
    """Where the tool delivers group messages: verified by the tool's folder, stored once."""
    try:
        found = integrations.tool(tool)
    except integrations.UnknownTool:
        return JsonResponse({"code": "unknown_tool", "message": "unknown IM tool"}, status=404)
    inbound = InboundRequest(
        method=request.method,
        query={k: v for k, v in request.GET.items()},
        headers={k.lower(): v for k, v in request.headers.items()},
        body=request.body[: services.MAX_CALLBACK_BYTES + 1],
    )
    try:
        received = services.receive(tool, key, inbound)
    except InboundRejected as exc:
        # Logged without the body, the headers or any key: the code says what was wrong.
        logger.warning("IM callback refused: tool=%s code=%s status=%s", tool, exc.code, exc.status)
        return JsonResponse({"code": exc.code, "message": exc.message}, status=exc.status)
    if received.handshake is not None:
        return HttpResponse(received.handshake.body, content_type=received.handshake.content_type)
    outcome = "duplicate" if received.duplicate else "ok"
    if found.acknowledgement is not None:  # the answer in the tool's own format
        response = HttpResponse(found.acknowledgement.body, content_type=found.acknowledgement.content_type)
    else:
        response = JsonResponse(
            {"code": outcome, "message": "already stored" if received.duplicate else "stored"}
        )
    response["X-SuccessHub-Result"] = outcome
    return response
