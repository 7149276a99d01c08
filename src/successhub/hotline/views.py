"""The hotline desk's pages (staff), and the two endpoints the telephone platform calls: CTI events
and IVR turns. Thin: parse, call one service or selector, render."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.http.request import RawPostDataException
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from successhub.accounts.models import Organisation, User
from successhub.catalog.loader import get_catalog
from successhub.hotline import cti, ivr, selectors, services
from successhub.hotline.errors import CallRefused, CtiRejected, HotlineError
from successhub.hotline.models import Call, Classification
from successhub.security.params import parse_id


def _lang() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh"


def _desk(request) -> User:
    if not services.is_desk_staff(request.user):
        raise PermissionDenied
    return request.user


def _call(request, call_id: int) -> Call:
    try:
        return selectors.call_for(request.user, call_id)
    except Call.DoesNotExist:
        raise Http404 from None


@login_required
def desk(request):
    user = _desk(request)
    query = request.GET.get("q", "").strip()
    return render(
        request,
        "hotline/desk.html",
        {
            "query": query,
            "organisations": selectors.find_organisations(user, query) if query else [],
            "live": selectors.live_calls(user)[:20],
            "missed": selectors.missed_calls(user)[:20],
            "recent": selectors.calls_for(user).exclude(outcome="")[:20],
            "desk_texts": {
                "popped": _("您接听了来电："),
                "unknown": _("未知号码"),
                "unverified": _("未认证"),
                "ringing": _("振铃中"),
                "answered": _("通话中"),
            },
        },
    )


def _screen_context(
    request, user: User, *, organisation=None, caller=None, call=None, refusal=None, form=None
):
    screen = selectors.caller_screen(user, organisation, caller) if organisation else None
    return {
        "screen": screen,
        "call": call,
        "caller": caller,
        "refusal": refusal,
        "form": form or {},
        "classifications": [c for c in Classification.choices if c[0]],
        "phone": request.GET.get("phone", "") or (call.caller_phone if call else ""),
    }


def _resolve(request, user: User):
    """Organisation, caller and CTI call named by the query string or the form."""
    data = request.POST if request.method == "POST" else request.GET
    call_id, caller_id = parse_id(data.get("call")), parse_id(data.get("caller"))
    call = _call(request, call_id) if call_id else None
    caller = None
    if caller_id:
        caller = User.objects.filter(pk=caller_id, organisation__isnull=False).first()
    phone = data.get("phone", "") or (call.caller_phone if call else "")
    if caller is None and call is not None and call.caller_id:
        caller = call.caller
    if caller is None and phone:
        caller = selectors.identify(user, phone)
    organisation = None
    if data.get("org"):
        organisation = Organisation.objects.filter(code=data["org"]).first()
    if organisation is None and caller is not None:
        organisation = caller.organisation
    if organisation is None and call is not None:
        organisation = call.organisation
    if caller is not None and organisation is not None and caller.organisation_id != organisation.pk:
        caller = None
    return organisation, caller, call


@login_required
def screen(request):
    user = _desk(request)
    organisation, caller, call = _resolve(request, user)
    if organisation is None and request.GET.get("phone"):
        messages.info(request, _("未能按号码识别来电人，请按客户名称或编码查找。"))
    return render(
        request,
        "hotline/screen.html",
        _screen_context(request, user, organisation=organisation, caller=caller, call=call),
    )


@login_required
@require_POST
def take(request):
    user = _desk(request)
    organisation, caller, call = _resolve(request, user)
    if organisation is None:
        raise Http404
    fatal = request.POST.get("fatal") == "1"
    form = {
        "summary": request.POST.get("summary", ""),
        "fatal": fatal,
        "classification": request.POST.get("classification", ""),
    }
    try:
        taken = services.take_call(
            engineer=user,
            organisation=organisation,
            caller=caller,
            fatal=fatal,
            summary=form["summary"],
            caller_phone=request.POST.get("phone", ""),
            classification=form["classification"] or None,
            call=call,
        )
    except CallRefused as exc:
        script = services.refusal_script(organisation, exc.decision, _lang())
        context = _screen_context(
            request, user, organisation=organisation, caller=caller, call=exc.call, refusal=script, form=form
        )
        return render(request, "hotline/screen.html", context, status=200)
    except HotlineError as exc:
        messages.error(request, exc.message(_lang()))
        return render(
            request,
            "hotline/screen.html",
            _screen_context(request, user, organisation=organisation, caller=caller, call=call, form=form),
        )
    left = taken.quota_left
    text = _("来电已受理。")
    if left is not None:
        text += _("本服务年度热线次数剩余 %(count)s 次。") % {"count": f"{left.normalize():f}"}
    messages.success(request, text)
    return redirect("hotline:call", call_id=taken.call.pk)


@login_required
@require_POST
def send_code(request):
    user = _desk(request)
    organisation, caller, call = _resolve(request, user)
    if caller is None:
        raise Http404
    try:
        target = services.send_caller_code(user, caller)
        messages.info(request, _("验证码已发送至 %(target)s，请来电人读出验证码。") % {"target": target})
    except HotlineError as exc:
        messages.error(request, exc.message(_lang()))
    return redirect(_screen_url(organisation, caller, call))


@login_required
@require_POST
def confirm_code(request):
    user = _desk(request)
    organisation, caller, call = _resolve(request, user)
    if caller is None:
        raise Http404
    try:
        services.confirm_caller_code(user, caller, request.POST.get("code", ""))
        messages.success(request, _("来电人已通过短信验证。"))
    except HotlineError as exc:
        messages.error(request, exc.message(_lang()))
    return redirect(_screen_url(organisation, caller, call))


def _screen_url(organisation, caller, call) -> str:
    params = []
    if organisation is not None:
        params.append(f"org={organisation.code}")
    if caller is not None:
        params.append(f"caller={caller.pk}")
    if call is not None:
        params.append(f"call={call.pk}")
    return reverse("hotline:screen") + "?" + "&".join(params)


@login_required
def call_detail(request, call_id: int):
    from successhub.tickets.categories import CATEGORIES

    _desk(request)
    call = _call(request, call_id)
    labels = get_catalog().labels
    return render(
        request,
        "hotline/call.html",
        {
            "call": call,
            "products": [(code, text.get(_lang())) for code, text in labels.products.items()],
            "categories": [c for c in CATEGORIES if not c.out_of_scope],
        },
    )


@login_required
@require_POST
def call_ticket(request, call_id: int):
    user = _desk(request)
    call = _call(request, call_id)
    try:
        ticket = services.call_to_ticket(
            user,
            call,
            product=request.POST.get("product", ""),
            category=request.POST.get("category", ""),
            title=request.POST.get("title", ""),
            description=request.POST.get("description", ""),
        )
        messages.success(
            request, _("已代客户提交工单 %(number)s（渠道：热线）。") % {"number": ticket.number}
        )
    except HotlineError as exc:
        messages.error(request, exc.message(_lang()))
    return redirect("hotline:call", call_id=call.pk)


@login_required
@require_POST
def call_idea(request, call_id: int):
    user = _desk(request)
    call = _call(request, call_id)
    try:
        idea = services.call_to_idea(
            user,
            call,
            title=request.POST.get("title", ""),
            description=request.POST.get("description", ""),
            product=request.POST.get("product") or None,
        )
        messages.success(request, _("已登记到创新广场：%(title)s（渠道：热线）。") % {"title": idea.title})
    except HotlineError as exc:
        messages.error(request, exc.message(_lang()))
    return redirect("hotline:call", call_id=call.pk)


@login_required
@require_POST
def call_end(request, call_id: int):
    user = _desk(request)
    services.end_call(user, _call(request, call_id))
    return redirect("hotline:call", call_id=call_id)


@login_required
def call_list(request):
    user = _desk(request)
    calls = selectors.calls_for(user)
    status = request.GET.get("status", "")
    if status:
        calls = calls.filter(status=status)
    query = request.GET.get("q", "").strip()
    if query:
        calls = calls.filter(caller_phone__contains=query) | calls.filter(organisation__name__icontains=query)
    page = Paginator(calls.order_by("-created_at"), 50).get_page(request.GET.get("page"))
    return render(request, "hotline/calls.html", {"page": page, "status": status, "query": query})


# --- the telephone platform ------------------------------------------------------------------------------


def _rejected(exc: HotlineError) -> JsonResponse:
    return JsonResponse({"code": exc.code, "message": exc.message_en}, status=exc.status)


@csrf_exempt
@require_POST
def cti_events(request):
    try:
        body = request.body  # the signature covers the raw bytes
    except RawPostDataException:  # a multipart form was parsed already: only a token can vouch for it
        body = b""
    try:
        cti.authenticate(request.headers, body)
        form = request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data")
        data = cti.parse_body(body, request.content_type or "", request.POST if form else None)
        call, new = cti.record_event(data)
    except CtiRejected as exc:
        return _rejected(exc)
    return JsonResponse(
        {"call": call.pk, "status": call.status, "duplicate": not new}, status=201 if new else 200
    )


@csrf_exempt
@require_POST
def ivr_turn(request):
    try:
        cti.authenticate(request.headers, request.body)
        if not (request.content_type or "").startswith("application/json"):
            raise CtiRejected(
                "请求体必须是 JSON。", "The body must be JSON.", code="unsupported_media_type", status=415
            )
        try:
            data = json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise CtiRejected(
                "请求体不是有效的 JSON。", "The body is not valid JSON.", code="invalid_json"
            ) from None
        response = ivr.handle_turn(ivr.parse_turn(data))
    except CtiRejected as exc:
        return _rejected(exc)
    return JsonResponse(response, json_dumps_params={"ensure_ascii": False})
