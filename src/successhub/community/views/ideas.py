"""The innovation square (创新广场): ideas, votes, comments and status changes."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from successhub.accounts.models import Organisation
from successhub.community import selectors, services
from successhub.community.errors import CommunityError
from successhub.community.models import Idea, IdeaStatus
from successhub.community.views.common import (
    can_post_notice,
    int_or_404,
    login_redirect,
    own_product,
    page,
    posting,
    products,
    refuse,
)


def ideas(request):
    status = request.GET.get("status") or None
    product = request.GET.get("product") or None
    sort = request.GET.get("sort") or "votes"
    return render(
        request,
        "community/ideas.html",
        {
            "page": page(request, selectors.visible_ideas(request.user, status, product, sort)),
            "statuses": IdeaStatus.choices,
            "status": status,
            "products": products(),
            "product": product,
            "sort": sort,
        },
    )


def idea_new(request):
    user = request.user
    notice = can_post_notice(user)
    is_staff = services.is_moderator(user)
    form = {
        "title": "",
        "description": "",
        "product": request.GET.get("product") or own_product(user),
        "channel": "innovation_square",
        "organisation": "",
    }
    status = 200
    if request.method == "POST":
        if notice == "login":
            return login_redirect(request, reverse("community:idea_new"))
        form = {k: request.POST.get(k, form[k]) for k in form}
        organisation = None
        if is_staff and form["organisation"]:
            organisation = Organisation.objects.filter(pk=int_or_404(form["organisation"])).first()
        try:
            created = services.propose_idea(
                user,
                form["product"] or None,
                form["title"],
                form["description"],
                channel=form["channel"] if is_staff else "innovation_square",
                organisation=organisation,
            )
        except CommunityError as exc:
            refuse(request, exc)
            status = exc.status
        else:
            messages.success(request, _("需求已提交，感谢您的建议！"))
            return redirect(created)
    return render(
        request,
        "community/idea_new.html",
        {
            "form": form,
            "products": products(),
            "notice": notice,
            "is_staff": is_staff,
            "channels": services.IDEA_CHANNELS,
            "organisations": Organisation.objects.order_by("name") if is_staff else [],
        },
        status=status,
    )


def idea(request, pk: int):
    user = request.user
    obj = selectors.idea_for(user, pk)
    next_statuses = [
        (s, services.STATUS_NAMES[s]) for s in IdeaStatus.values if s in services.IDEA_TRANSITIONS[obj.status]
    ]
    return render(
        request,
        "community/idea.html",
        {
            "idea": obj,
            "history": obj.status_changes.select_related("by"),
            "comments": selectors.idea_comments(user, obj),
            "voted": selectors.has_voted_idea(user, obj),
            "notice": can_post_notice(user),
            "is_moderator": services.is_moderator(user),
            "next_statuses": next_statuses,
        },
    )


@posting
def idea_comment(request, pk: int):
    obj = selectors.idea_for(request.user, pk)
    created = services.comment_idea(request.user, obj, request.POST.get("body", ""))
    return redirect(created.get_absolute_url())


@posting
def idea_status(request, pk: int):
    obj: Idea = selectors.idea_for(request.user, pk)
    services.change_idea_status(
        request.user, obj, request.POST.get("status", ""), request.POST.get("response", "")
    )
    messages.success(request, _("需求状态已更新，已通知投票用户。"))
    return redirect(obj)
