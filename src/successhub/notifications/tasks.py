"""Background work for notifications: Celery tasks (ids, not objects) and periodic jobs.

This module imports the services; the services never import it (they queue work by task name
through ``queue.py``), so there is no import cycle between the two.
"""

from __future__ import annotations

from celery import shared_task

import successhub.tasks  # noqa: F401  (makes our Celery app current, so .delay() uses its broker)
from successhub.notifications import robots, services
from successhub.scheduler import periodic


@shared_task(name=services.WEBHOOK_TASK, ignore_result=True)
def deliver_webhook_task(delivery_id: int) -> None:
    services.deliver_webhook(delivery_id)


@shared_task(name=robots.TASK, ignore_result=True)
def deliver_robot_message_task(message_id: int) -> None:
    robots.deliver_robot_message(message_id)


@periodic("notifications.deliver_due_webhooks", every_seconds=30)
def deliver_due_webhooks_job() -> None:
    services.deliver_due_webhooks()


@periodic("notifications.deliver_due_robot_messages", every_seconds=10)
def deliver_due_robot_messages_job() -> None:
    robots.deliver_due_robot_messages()


# The e-mail outbox: with a worker, notifications are e-mailed by this sweep, not by a task per request.
# Every 5 s (one query on the partial index of owed rows): after a worker restart e-mail resumes within
# seconds (bench/drills.py: 12 s after a SIGKILL at 10 s, the job's own interval being the wait).
@periodic("notifications.send_owed_emails", every_seconds=5)
def send_owed_emails_job() -> None:
    services.send_owed_emails()
