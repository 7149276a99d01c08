"""Periodic jobs: register with ``@periodic(name, every_seconds)``; run with ``run_due_jobs()``.

A job is a no-argument, idempotent function in some app's ``tasks.py`` (imported by
``discover_jobs()``). When each job last started is kept in ``notifications.JobRun``, so a
restart does not run a job early, and two runners (the embedded thread and ``successhub jobs run``,
or two beat hosts by mistake) claim a run with a compare-and-set UPDATE and never run it twice.

Production: Celery beat calls the task ``successhub.run_job(name)`` on each job's interval
(``beat_schedule()``, wired in ``successhub.tasks``). Embedded default (no REDIS_URL):
``successhub serve`` starts ``start_embedded_scheduler()``, a daemon thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

logger = logging.getLogger("successhub.scheduler")


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: int
    func: Callable[[], object]

    @property
    def every(self) -> timedelta:
        return timedelta(seconds=self.every_seconds)

    @property
    def grace(self) -> timedelta:
        # Beat and the polling thread fire a little early or late; a run this close counts as due.
        return timedelta(seconds=min(5.0, self.every_seconds * 0.1))


_REGISTRY: dict[str, Job] = {}
_discovered = False


def periodic(name: str, every_seconds: int):
    """Register the decorated no-argument function as a periodic job (idempotent: safe to run twice)."""
    if every_seconds <= 0:
        raise ValueError("every_seconds must be positive")

    def decorator(func):
        existing = _REGISTRY.get(name)
        if existing is not None and existing.func.__qualname__ != func.__qualname__:
            raise ValueError(f"periodic job {name!r} is already registered by {existing.func.__module__}")
        _REGISTRY[name] = Job(name, every_seconds, func)
        return func

    return decorator


def discover_jobs() -> None:
    """Import ``<app>.tasks`` for every installed app, where jobs register themselves."""
    global _discovered
    if _discovered:
        return
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("tasks")
    _discovered = True


def registered_jobs() -> dict[str, Job]:
    discover_jobs()
    return dict(sorted(_REGISTRY.items()))


def _claim(job: Job, now: datetime, force: bool) -> bool:
    from django.db.models import Q

    from successhub.notifications.models import JobRun

    JobRun.objects.get_or_create(name=job.name)
    runs = JobRun.objects.filter(name=job.name)
    if not force:
        runs = runs.filter(
            Q(last_started_at__isnull=True) | Q(last_started_at__lte=now - job.every + job.grace)
        )
    return bool(runs.update(last_started_at=now))


def _run(job: Job, now: datetime) -> bool:
    from django.db.models import F
    from django.utils import timezone

    from successhub.notifications.models import JobRun

    try:
        job.func()
    except Exception as exc:
        logger.exception("periodic job %s failed", job.name)
        JobRun.objects.filter(name=job.name).update(
            last_finished_at=timezone.now(),
            last_succeeded=False,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            runs=F("runs") + 1,
        )
        return False
    JobRun.objects.filter(name=job.name).update(
        last_finished_at=timezone.now(), last_succeeded=True, last_error="", runs=F("runs") + 1
    )
    return True


def run_job(name: str, now: datetime | None = None, force: bool = False) -> bool:
    """Run one job if it is due (or always with ``force``); returns whether it ran. Unknown name: KeyError."""
    from django.utils import timezone

    job = registered_jobs()[name]
    now = now or timezone.now()
    if not _claim(job, now, force):
        return False
    _run(job, now)
    return True


def run_due_jobs(now: datetime | None = None) -> list[str]:
    """Run every due job once; a failing job is logged and the others still run. Returns the names run."""
    from django.utils import timezone

    now = now or timezone.now()
    ran = []
    for name, job in registered_jobs().items():
        try:
            claimed = _claim(job, now, force=False)
        except Exception:
            logger.exception("could not claim periodic job %s", name)
            continue
        if claimed:
            _run(job, now)
            ran.append(name)
    return ran


def beat_schedule() -> dict[str, dict]:
    """Celery beat entries: one ``successhub.run_job(name)`` per registered job."""
    return {
        f"successhub:{name}": {
            "task": "successhub.run_job",
            "schedule": float(job.every_seconds),
            "args": (name,),
        }
        for name, job in registered_jobs().items()
    }


def start_embedded_scheduler(interval_seconds: float) -> threading.Thread | None:
    """Start a daemon thread calling ``run_due_jobs()`` every ``interval_seconds`` (0 or less: off)."""
    if interval_seconds <= 0:
        return None
    from django.db import close_old_connections

    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval_seconds):
            try:
                run_due_jobs()
            except Exception:
                logger.exception("embedded scheduler pass failed")
            finally:
                close_old_connections()

    thread = threading.Thread(target=loop, name="successhub-scheduler", daemon=True)
    thread.stop = stop  # type: ignore[attr-defined]
    thread.start()
    return thread
