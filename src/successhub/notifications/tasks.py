"""Background work for notifications and webhooks: Celery tasks (ids, not objects) and periodic jobs."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

import successhub.tasks  # noqa: F401  (makes our Celery app current, so .delay() uses its broker)
from successhub.notifications import services
from successhub.scheduler import periodic


def enqueue(task, *args) -> None:
    """Run ``task`` now when Celery is eager (embedded default, tests); otherwise queue it."""
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        task(*args)
    else:
        task.delay(*args)


@shared_task(name="notifications.deliver_webhook", ignore_result=True)
def deliver_webhook_task(delivery_id: int) -> None:
    services.deliver_webhook(delivery_id)


@periodic("notifications.deliver_due_webhooks", every_seconds=30)
def deliver_due_webhooks_job() -> None:
    services.deliver_due_webhooks()


# The e-mail outbox: with a worker, notifications are e-mailed by this sweep, not by a task per request.
@periodic("notifications.send_owed_emails", every_seconds=10)
def send_owed_emails_job() -> None:
    services.send_owed_emails()
