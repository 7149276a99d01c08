"""What the community pages share: the decorators for posting and staff pages, paging, refusals."""

from __future__ import annotations

from functools import wraps
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from successhub.community import services
from successhub.community.errors import CommunityError, NotSignedIn, NotVerified
from successhub.contracts.models import Deployment, Product
from successhub.security.params import parse_id

PAGE_SIZE = 20


def products():
    return list(Product.objects.filter(parent__isnull=True).order_by("id")) + list(
        Product.objects.filter(parent__isnull=False).order_by("id")
    )


def own_product(user) -> str:
    """The customer's own product (their organisation's first deployment): the forms' default."""
    if not (user and user.is_authenticated and user.is_customer and user.organisation_id):
        return ""
    code = (
        Deployment.objects.filter(organisation_id=user.organisation_id)
        .order_by("id")
        .values_list("product__code", flat=True)
        .first()
    )
    return code or ""


def safe(request, url: str) -> bool:
    return bool(url) and url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure())


def next_url(request, fallback: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    return candidate if safe(request, candidate) else fallback


def refuse(request, exc: CommunityError) -> None:
    if isinstance(exc, NotVerified):
        messages.error(
            request, format_html('{} <a href="{}">{}</a>', str(exc), reverse("verify"), _("去认证"))
        )
    else:
        messages.error(request, str(exc))


def login_redirect(request, back: str):
    return redirect(f"{reverse('login')}?next={quote(back)}")


def posting(view):
    """POST-only views that call a posting service: refusals become a message and a redirect back
    (anonymous users go to the login page first)."""

    @require_POST
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        referer = request.META.get("HTTP_REFERER", "")
        back = next_url(request, referer if safe(request, referer) else reverse("community:index"))
        try:
            return view(request, *args, **kwargs)
        except NotSignedIn:
            return login_redirect(request, back)
        except CommunityError as exc:
            refuse(request, exc)
            return redirect(back)

    return wrapper


def staff_only(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not services.is_moderator(request.user):
            if not request.user.is_authenticated:
                return login_redirect(request, request.get_full_path())
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def can_post_notice(user) -> str | None:
    """Why the posting forms are not shown to this user (None: they may post)."""
    try:
        services.ensure_can_post(user)
    except NotSignedIn:
        return "login"
    except NotVerified:
        return "verify"
    except CommunityError:
        return "forbidden"
    return None


def int_or_404(value) -> int:
    """An object id from a form: no object has an id that is not a positive bigint (404)."""
    number = parse_id(value)
    if number is None:
        raise Http404
    return number
