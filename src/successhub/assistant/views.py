"""The chat widget's endpoints (JSON) and the staff insights page."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from successhub.assistant import selectors, services
from successhub.assistant.models import Conversation, Message
from successhub.security.params import parse_id

SESSION_KEY = "assistant_conversation"


def _payload(request) -> dict:
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return request.POST.dict()


def _truthy(value) -> bool:
    return str(value).strip().lower() in {"1", "true", "on", "yes"}


def _conversation(request, create: bool = True) -> Conversation | None:
    if not request.session.session_key:
        request.session.save()
    conversation_id = request.session.get(SESSION_KEY)
    if not create and not conversation_id:
        return None
    conversation = services.conversation_for(request.user, request.session.session_key, conversation_id)
    request.session[SESSION_KEY] = conversation.pk
    return conversation


@require_POST
def ask_view(request):
    data = _payload(request)
    text = str(data.get("text", "")).strip()
    if not text:
        return JsonResponse({"code": "empty_question", "message": _("请输入您的问题。")}, status=400)
    if _truthy(data.get("new")):
        request.session.pop(SESSION_KEY, None)
    conversation = _conversation(request)
    reply = services.ask(conversation, text, fatal=_truthy(data.get("fatal")))
    return JsonResponse(
        {
            "conversation": conversation.pk,
            "message_id": reply.message_id,
            "text": reply.text,
            "sources": reply.sources,
            "confident": reply.confident,
            "confidence": reply.confidence,
            "fatal": reply.fatal,
            "handoff": reply.handoff.as_dict() if reply.handoff else None,
        }
    )


@require_POST
def rate_view(request):
    data = _payload(request)
    conversation = _conversation(request, create=False)
    rating = {"1": 1, "-1": -1}.get(str(data.get("rating", "")).strip(), 0)
    message_id = parse_id(str(data.get("message_id", ""))) or 0
    if conversation is None or rating not in (1, -1):
        return JsonResponse({"code": "invalid_input", "message": _("无法评价这条回答。")}, status=400)
    try:
        services.rate(conversation, message_id, rating)
    except conversation.messages.model.DoesNotExist:
        return JsonResponse({"code": "not_found", "message": _("找不到这条回答。")}, status=404)
    return JsonResponse({"ok": True, "rating": rating})


@require_POST
def handoff_view(request):
    data = _payload(request)
    conversation = _conversation(request)
    handoff = services.request_handoff(conversation, fatal=_truthy(data.get("fatal")))
    return JsonResponse({"conversation": conversation.pk, "handoff": handoff.as_dict()})


def _staff(request) -> None:
    if not request.user.is_authenticated or request.user.is_customer:
        raise PermissionDenied


@login_required
def insights(request):
    _staff(request)
    context = {
        "rates": selectors.deflection_rates(),
        "unanswered": selectors.unanswered_questions(),
        "faq_available": selectors.faq_model() is not None,
        "products": selectors.products(),
    }
    return render(request, "assistant/insights.html", context)


@login_required
@require_POST
def make_faq(request, message_id: int):
    _staff(request)
    question = request.POST.get("question", "").strip()
    answer = request.POST.get("answer", "").strip()
    if not question or not answer:
        messages.error(request, _("请填写问题和解答。"))
        return redirect("assistant:insights")
    try:
        faq = services.turn_into_faq(message_id, question, answer, request.POST.get("product") or None)
    except Message.DoesNotExist:
        raise Http404(_("找不到这条回答。")) from None
    except services.FaqUnavailable:
        messages.error(request, _("社区常见问题模块尚未启用。"))
        return redirect("assistant:insights")
    messages.success(request, _("已创建常见问题：%(faq)s") % {"faq": faq})
    return redirect("assistant:insights")


@login_required
@require_POST
def dismiss(request, message_id: int):
    _staff(request)
    services.dismiss_unanswered(message_id)
    return redirect("assistant:insights")
