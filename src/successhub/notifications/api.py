"""Notifications over HTTP: the caller's own notifications only."""

from __future__ import annotations

from datetime import datetime

from ninja import Router, Schema
from ninja.pagination import paginate

from successhub.api.base import BoundedPageNumberPagination, ErrorOut, ObjectId
from successhub.notifications import selectors, services

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: datetime
    read_at: datetime | None
    is_read: bool


class ReadAllOut(Schema):
    marked: int


@router.get("/notifications", response=list[NotificationOut], summary="我的通知（分页，最新在前）")
@paginate(BoundedPageNumberPagination, page_size=20)
def list_notifications(request, unread: bool = False):
    return selectors.notifications_for(request.user, unread_only=unread)


@router.post("/notifications/read-all", response=ReadAllOut, summary="全部标为已读")
def read_all(request):
    return {"marked": services.mark_all_read(request.user)}


@router.post(
    "/notifications/{notification_id}/read",
    response={200: NotificationOut, 404: ErrorOut},
    summary="标为已读",
)
def read_one(request, notification_id: ObjectId):
    # Another user's id raises DoesNotExist, which the API turns into 404 not_found.
    return services.mark_read(request.user, notification_id)
