"""Hand work to the background after commit, without importing ``tasks`` (which imports the services).

With Celery eager (the embedded default, tests) the function runs in-process right after commit;
with a worker, the task is sent by name, so this module needs neither the task objects nor the
services that ``tasks.py`` wraps. A lost message costs nothing: the periodic sweeps send what is due.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import transaction


def eager() -> bool:
    return bool(getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False))


def run(task_name: str, func: Callable[[int], object], ids: Iterable[int]) -> None:
    """Run ``func(id)`` for each id now (eager) or queue the Celery task ``task_name`` for each."""
    ids = list(ids)
    if eager():
        for item in ids:
            func(item)
        return
    from successhub.tasks import app

    for item in ids:
        app.send_task(task_name, args=[item])


def after_commit(task_name: str, func: Callable[[int], object], ids: Iterable[int]) -> None:
    ids = list(ids)
    if ids:
        transaction.on_commit(lambda: run(task_name, func, ids), robust=True)
