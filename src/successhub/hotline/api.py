"""The hotline desk over HTTP (``/api/v1/hotline``): a telephone system or the desk's own tools
record calls through the same service as the desk page.

``POST /api/v1/hotline/calls`` as desk staff: 201 with the call and the quota left; refusals are
``{"code", "message"}``: 409 ``quota_exhausted`` (with ``renews_on``), 403 for the engine's other
reasons (``fatal_only``, ``not_in_plan``, ``no_active_contract``, ...) and ``not_verified``,
``forbidden`` for anyone not at the desk, 404 for an unknown organisation.
"""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema, Status
from ninja.security import SessionAuth

from successhub.accounts.models import Organisation
from successhub.api.base import ApiError, BearerAuth, ErrorOut, TokenHeaderAuth, api
from successhub.hotline import selectors, services
from successhub.hotline.errors import HotlineError
from successhub.hotline.models import Call

router = Router(tags=["hotline"], auth=[BearerAuth(), TokenHeaderAuth(), SessionAuth()])


@api.exception_handler(HotlineError)
def _hotline_error(request, exc: HotlineError):
    return api.create_response(
        request, {"code": exc.code, "message": exc.message_en, **exc.detail}, status=exc.status
    )


class CallIn(Schema):
    organisation: str
    caller_phone: str | None = None
    fatal: bool
    summary: str
    classification: str | None = None


class QuotaOut(Schema):
    limit: str
    used: str
    remaining: str
    period_start: dt.date
    period_end: dt.date


class CallOut(Schema):
    id: int
    organisation: str | None
    caller_phone: str
    caller_id: int | None
    direction: str
    status: str
    started_at: dt.datetime | None
    answered_at: dt.datetime | None
    ended_at: dt.datetime | None
    duration_seconds: int | None
    classification: str
    fatal: bool | None
    summary: str
    outcome: str
    refusal_code: str
    recording_url: str
    engineer: str | None
    ticket: str | None


class CallTakenOut(Schema):
    call: CallOut
    quota_left: str | None
    quota: QuotaOut | None
    explanation: str


def call_out(call: Call) -> dict:
    return {
        "id": call.pk,
        "organisation": call.organisation.code if call.organisation_id else None,
        "caller_phone": call.caller_phone,
        "caller_id": call.caller_id,
        "direction": call.direction,
        "status": call.status,
        "started_at": call.started_at,
        "answered_at": call.answered_at,
        "ended_at": call.ended_at,
        "duration_seconds": call.duration_seconds,
        "classification": call.classification,
        "fatal": call.fatal,
        "summary": call.summary,
        "outcome": call.outcome,
        "refusal_code": call.refusal_code,
        "recording_url": call.recording_url,
        "engineer": call.engineer.username if call.engineer_id else None,
        "ticket": call.ticket.number if call.ticket_id else None,
    }


def _num(value) -> str:
    return format(value.normalize(), "f")


ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


@router.post(
    "/calls", response={201: CallTakenOut, **ERRORS}, summary="热线坐席登记来电并判定（致命故障额度原子扣减）"
)
def create_call(request, payload: CallIn):
    services.ensure_desk_staff(request.user)
    organisation = Organisation.objects.filter(code=payload.organisation).first()
    if organisation is None:
        raise ApiError(404, "unknown_organisation", "No organisation with that code.")
    taken = services.take_call(
        engineer=request.user,
        organisation=organisation,
        fatal=payload.fatal,
        summary=payload.summary,
        caller_phone=payload.caller_phone or "",
        classification=payload.classification,
    )
    quota = taken.decision.quota
    return Status(
        201,
        {
            "call": call_out(taken.call),
            "quota_left": _num(taken.quota_left) if taken.quota_left is not None else None,
            "quota": {
                "limit": _num(quota.limit),
                "used": _num(quota.used + (taken.call.usage_entry.amount if taken.call.usage_entry else 0)),
                "remaining": _num(taken.quota_left),
                "period_start": quota.period_start,
                "period_end": quota.period_end,
            }
            if quota
            else None,
            "explanation": taken.decision.explanation_en,
        },
    )


@router.get("/calls/{call_id}", response={200: CallOut, **ERRORS}, summary="一通来电的记录")
def get_call(request, call_id: int):
    return Status(200, call_out(selectors.call_for(request.user, call_id)))
