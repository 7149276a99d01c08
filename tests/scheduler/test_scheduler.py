"""`successhub.scheduler`: a due job runs once, not again until due; failures are isolated; beat wiring."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from successhub import scheduler
from successhub.cli import main
from successhub.notifications.models import JobRun


@pytest.fixture
def jobs(monkeypatch):
    """An empty job registry for the test (the real one is left untouched)."""
    registry: dict = {}
    monkeypatch.setattr(scheduler, "_REGISTRY", registry)
    monkeypatch.setattr(scheduler, "_discovered", True)
    return registry


@pytest.fixture
def counting_job(jobs):
    calls: list[int] = []

    @scheduler.periodic("tests.count", every_seconds=60)
    def count() -> None:
        calls.append(1)

    return calls


@pytest.mark.django_db
def test_a_due_job_runs_once_and_not_again_until_due(counting_job):
    start = timezone.now()

    assert scheduler.run_due_jobs(now=start) == ["tests.count"]
    assert scheduler.run_due_jobs(now=start) == []
    assert scheduler.run_due_jobs(now=start + timedelta(seconds=50)) == []
    assert scheduler.run_due_jobs(now=start + timedelta(seconds=60)) == ["tests.count"]

    assert len(counting_job) == 2
    run = JobRun.objects.get(name="tests.count")
    assert (run.runs, run.last_succeeded, run.last_started_at) == (2, True, start + timedelta(seconds=60))


@pytest.mark.django_db
def test_the_last_run_is_kept_in_the_database_so_a_restart_does_not_run_early(counting_job):
    start = timezone.now()
    JobRun.objects.create(name="tests.count", last_started_at=start - timedelta(seconds=10))

    assert scheduler.run_due_jobs(now=start) == []
    assert counting_job == []


@pytest.mark.django_db
def test_a_failing_job_is_logged_and_the_others_still_run(jobs, caplog):
    ran: list[str] = []

    @scheduler.periodic("tests.a_broken", every_seconds=60)
    def broken() -> None:
        raise RuntimeError("boom")

    @scheduler.periodic("tests.b_fine", every_seconds=60)
    def fine() -> None:
        ran.append("fine")

    assert scheduler.run_due_jobs() == ["tests.a_broken", "tests.b_fine"]

    assert ran == ["fine"]
    broken_run = JobRun.objects.get(name="tests.a_broken")
    assert (broken_run.last_succeeded, broken_run.last_error) == (False, "RuntimeError: boom")
    assert "periodic job tests.a_broken failed" in caplog.text


@pytest.mark.django_db
def test_run_job_by_name_can_force_a_job_that_is_not_due(counting_job):
    assert scheduler.run_job("tests.count") is True
    assert scheduler.run_job("tests.count") is False
    assert scheduler.run_job("tests.count", force=True) is True
    assert len(counting_job) == 2


def test_registering_two_jobs_under_one_name_is_refused(jobs):
    scheduler.periodic("tests.same", 60)(lambda: None)

    with pytest.raises(ValueError, match="already registered"):

        @scheduler.periodic("tests.same", 60)
        def other() -> None: ...


def test_the_webhook_sweep_is_registered_every_30_seconds_and_in_beat():
    job = scheduler.registered_jobs()["notifications.deliver_due_webhooks"]

    assert job.every_seconds == 30
    entry = scheduler.beat_schedule()["successhub:notifications.deliver_due_webhooks"]
    assert entry == {
        "task": "successhub.run_job",
        "schedule": 30.0,
        "args": ("notifications.deliver_due_webhooks",),
    }


def test_the_celery_app_gets_the_beat_schedule_and_the_run_job_task():
    from successhub.tasks import app

    app.finalize()

    assert "successhub.run_job" in app.tasks
    assert "successhub:notifications.deliver_due_webhooks" in app.conf.beat_schedule


def test_the_embedded_scheduler_is_off_under_tests(settings):
    assert settings.SUCCESSHUB_EMBEDDED_SCHEDULER_SECONDS == 0
    assert scheduler.start_embedded_scheduler(0) is None


def test_the_embedded_scheduler_thread_calls_run_due_jobs(monkeypatch):
    called = threading.Event()
    monkeypatch.setattr(scheduler, "run_due_jobs", lambda: called.set())

    thread = scheduler.start_embedded_scheduler(0.01)
    try:
        assert called.wait(timeout=5)
        assert thread.daemon
    finally:
        thread.stop.set()
        thread.join(timeout=5)


@pytest.mark.django_db
def test_cli_jobs_run_runs_the_due_jobs(counting_job, capsys):
    assert main(["jobs", "run"]) == 0
    assert main(["jobs", "run"]) == 0

    assert capsys.readouterr().out == "tests.count\tok\nno job is due\n"
    assert len(counting_job) == 1


@pytest.mark.django_db
def test_cli_jobs_run_name_runs_that_job_now(counting_job, capsys):
    assert main(["jobs", "run", "--name", "tests.count"]) == 0
    assert main(["jobs", "run", "--name", "tests.count"]) == 0
    assert main(["jobs", "run", "--name", "tests.nope"]) == 2

    assert len(counting_job) == 2
    assert "no periodic job named 'tests.nope'" in capsys.readouterr().err
