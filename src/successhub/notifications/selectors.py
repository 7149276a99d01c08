"""Reads: a user's own notifications only (there is no lookup by id that skips the recipient)."""

from __future__ import annotations

from django.db.models import QuerySet

from successhub.notifications.models import Notification, NotificationPreference


def notifications_for(user, *, unread_only: bool = False) -> QuerySet[Notification]:
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    notifications = Notification.objects.filter(recipient=user)
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.order_by("-created_at", "-id")


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_for(user, notification_id: int) -> Notification:
    """One of the user's notifications; raises ``Notification.DoesNotExist`` for anyone else's."""
    return notifications_for(user).get(pk=notification_id)


def email_preferences_for(user) -> dict[str, bool]:
    return dict(NotificationPreference.objects.filter(user=user).values_list("kind", "email"))


def kinds_seen_by(user) -> list[str]:
    return sorted(set(Notification.objects.filter(recipient=user).values_list("kind", flat=True).distinct()))


def im_preferences_for(user) -> dict[str, bool]:
    return dict(NotificationPreference.objects.filter(user=user).values_list("kind", "im"))


def has_own_robot(user) -> bool:
    from successhub.notifications.models import Robot

    return Robot.objects.filter(owner=user, active=True).exists()


def robots_managed_by(user) -> tuple[list, list]:
    """(the user's own robots, the service team's group robots if the user manages them)."""
    from successhub.notifications.models import Robot
    from successhub.notifications.robots import manages_team_robots

    if not getattr(user, "is_authenticated", False) or user.is_customer:
        return [], []
    own = list(Robot.objects.filter(owner=user).order_by("name", "id"))
    team = (
        list(Robot.objects.filter(staff_group=True).order_by("name", "id"))
        if manages_team_robots(user)
        else []
    )
    return own, team
