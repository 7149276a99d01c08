"""Portal pages: the signed-in user's notifications and e-mail preferences (thin: selectors + services)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from successhub.notifications import selectors, services
from successhub.notifications.models import ALL_KINDS, Notification

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
    rows = [(kind, current.get(kind, default_all), current_im.get(kind, im_all)) for kind in kinds]
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
