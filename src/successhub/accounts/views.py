"""Profile pages: each signed-in user manages their own API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from successhub.accounts import selectors, services


@login_required
def tokens(request):
    new_token = None
    if request.method == "POST":
        try:
            new_token = services.issue_api_token(request.user, request.POST.get("name", ""))
        except services.TokenError as exc:
            messages.error(request, str(exc))
    response = render(
        request,
        "accounts/tokens.html",
        {"tokens": selectors.api_tokens_for(request.user), "new_token": new_token},
    )
    if new_token:
        response["Cache-Control"] = "no-store"  # the secret is shown once and must not be cached
    return response


@login_required
@require_POST
def revoke_token(request, token_id: int):
    try:
        token = services.revoke_api_token(request.user, token_id)
        messages.success(
            request, _("令牌“%(name)s”已吊销，使用它的程序将无法再访问。") % {"name": token.name}
        )
    except services.TokenError as exc:
        messages.error(request, str(exc))
    return redirect("accounts:tokens")
