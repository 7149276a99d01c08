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
