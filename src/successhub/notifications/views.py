"""Portal pages: the signed-in user's notifications and e-mail preferences (thin: selectors + services)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from successhub import integrations
from successhub.notifications import robots, selectors, services
from successhub.notifications.forms import RobotForm
from successhub.notifications.models import ALL_KINDS, KIND_LABELS, Notification, Robot

PAGE_SIZE = 20


@login_required
def notification_list(request):
    unread_only = request.GET.get("unread") == "1"
    notifications = selectors.notifications_for(request.user, unread_only=unread_only)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {"page": page, "unread_only": unread_only, "unread_total": selectors.unread_count(request.user)},
    )


@login_required
@require_POST
def mark_read(request, notification_id: int):
    try:
        notification = services.mark_read(request.user, notification_id)
    except Notification.DoesNotExist:
        raise Http404 from None
    target = request.POST.get("next") or ""
    if (
        target == "open"
        and notification.url
        and url_has_allowed_host_and_scheme(
            notification.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return redirect(notification.url)
    return redirect("notifications:list")


@login_required
@require_POST
def mark_all_read(request):
    count = services.mark_all_read(request.user)
    messages.success(request, _("已将 %(count)s 条通知标为已读。") % {"count": count})
    return redirect("notifications:list")


@login_required
def preferences(request):
    kinds = selectors.kinds_seen_by(request.user)
    current = selectors.email_preferences_for(request.user)
    # Staff can receive their notifications through IM robots too (their own, or the team group).
    show_im = not request.user.is_customer
    current_im = selectors.im_preferences_for(request.user) if show_im else {}
    if request.method == "POST":
        services.set_email_preference(request.user, ALL_KINDS, request.POST.get("email_all") == "on")
        for kind in kinds:
            services.set_email_preference(request.user, kind, request.POST.get(f"email:{kind}") == "on")
        if show_im:
            services.set_im_preference(request.user, ALL_KINDS, request.POST.get("im_all") == "on")
            for kind in kinds:
                services.set_im_preference(request.user, kind, request.POST.get(f"im:{kind}") == "on")
        messages.success(request, _("通知设置已保存。"))
        return redirect("notifications:preferences")
    default_all = current.get(ALL_KINDS, True)
    im_all = current_im.get(ALL_KINDS, True)
    rows = [
        (
            kind,
            _(KIND_LABELS.get(kind, gettext_noop("其他通知"))),
            current.get(kind, default_all),
            current_im.get(kind, im_all),
        )
        for kind in kinds
    ]
    return render(
        request,
        "notifications/preferences.html",
        {
            "email_all": default_all,
            "im_all": im_all,
            "show_im": show_im,
            "rows": rows,
            "has_own_robot": show_im and selectors.has_own_robot(request.user),
        },
    )


def unread_badge(request):
    """htmx fragment beside the 通知 nav entry: the unread count, or nothing."""
    count = selectors.unread_count(request.user)
    if not count:
        return HttpResponse("")
    label = "99+" if count > 99 else str(count)
    return HttpResponse(
        f'<span class="badge open" title="{_("未读通知")}">{label}</span>',
        content_type="text/html; charset=utf-8",
    )


# --- staff: their own IM robot, and (service admins) the service team's group robots ---------------------


def _robot_row(robot: Robot) -> dict:
    try:
        tool_name = integrations.tool(robot.tool).name(get_language() or "zh-hans")
    except integrations.UnknownTool:
        tool_name = robot.tool
    form = RobotForm(initial={"tool": robot.tool, "name": robot.name}, prefix=f"r{robot.pk}")
    return {"robot": robot, "tool_name": tool_name, "form": form}


@login_required
def robots_page(request):
    if request.user.is_customer:
        raise Http404
    own, team = selectors.robots_managed_by(request.user)
    if request.method == "POST":
        _robot_action(request, {robot.pk: robot for robot in [*own, *team]})
        return redirect("notifications:robots")
    name = str(request.user)
    return render(
        request,
        "notifications/robots.html",
        {
            "own": [_robot_row(robot) for robot in own],
            "team": [_robot_row(robot) for robot in team],
            "manages_team": robots.manages_team_robots(request.user),
            "own_form": RobotForm(initial={"name": _("%(name)s 的机器人") % {"name": name}}, prefix="own"),
            "team_form": RobotForm(initial={"name": _("服务团队群")}, prefix="team"),
        },
    )


def _robot_action(request, managed: dict[int, Robot]) -> None:
    post = request.POST
    action = post.get("action", "")
    robot = None
    if post.get("robot"):
        robot = managed.get(int(post["robot"])) if post["robot"].isdigit() else None
        if robot is None:
            raise Http404
    english = (get_language() or "").startswith("en")
    try:
        if action == "save":
            prefix = f"r{robot.pk}" if robot else ("team" if post.get("staff_group") else "own")
            form = RobotForm(post, prefix=prefix)
            if not form.is_valid():
                errors = "; ".join(str(e) for field in form.errors.values() for e in field)
                messages.error(request, _("未保存：%(errors)s") % {"errors": errors})
                return
            robots.set_up_robot(
                request.user,
                robot,
                tool=form.cleaned_data["tool"],
                name=form.cleaned_data["name"],
                webhook_url=form.cleaned_data["webhook_url"] or "",
                secret=form.cleaned_data["secret"] or "",
                staff_group=bool(post.get("staff_group")),
            )
            messages.success(request, _("机器人已保存（Webhook 与密钥已加密保存，不再显示）。"))
        elif action == "test" and robot is not None:
            robots.ensure_may_manage(request.user, robot)
            result = robots.send_robot_test(robot, post.get("text") or _("SuccessHub 测试消息"))
            values = {"status": result.status or "-", "code": result.code or "-", "message": result.message}
            if result.ok:
                messages.success(request, _("测试消息已送达（HTTP %(status)s，返回码 %(code)s）。") % values)
            else:
                messages.error(
                    request, _("测试消息被拒绝（HTTP %(status)s，返回码 %(code)s：%(message)s）。") % values
                )
        elif action == "active" and robot is not None:
            robots.set_robot_active(request.user, robot, post.get("active") == "1")
            messages.success(
                request, _("已启用机器人。") if post.get("active") == "1" else _("已停用机器人。")
            )
    except robots.RobotRefused as exc:
        messages.error(request, exc.message_en if english else exc.message)
