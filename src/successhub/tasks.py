"""The Celery application. Apps put their tasks in ``<app>/tasks.py`` (autodiscovered).

In the embedded default (no REDIS_URL) tasks run eagerly in-process and the
periodic jobs run from a thread started by ``successhub serve``.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "successhub.settings")

app = Celery("successhub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="successhub.run_job", ignore_result=True)
def run_job(name: str) -> None:
    """Beat's entry point for a periodic job (``successhub.scheduler``); skipped if run too recently."""
    from successhub import scheduler

    scheduler.run_job(name)


@app.on_after_finalize.connect
def _wire_beat_schedule(sender, **kwargs) -> None:
    """Beat runs every ``@periodic`` job registered in the apps' ``tasks.py``."""
    from django.apps import apps

    if not apps.ready:
        import django

        django.setup()
    from successhub.scheduler import beat_schedule

    sender.conf.beat_schedule = {**beat_schedule(), **(sender.conf.beat_schedule or {})}
