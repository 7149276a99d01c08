"""``successhub jobs``: list the periodic jobs or run them once (those due, or one by name)."""

from __future__ import annotations


def register(subparsers) -> None:
    parser = subparsers.add_parser("jobs", help="periodic jobs: list them, or run the due ones now")
    actions = parser.add_subparsers(dest="jobs_action", metavar="ACTION")
    run = actions.add_parser("run", help="run the jobs that are due (or one job by name, due or not)")
    run.add_argument("--name", help="run only this job, even if it is not due yet")
    run.set_defaults(handler=run_jobs)
    listing = actions.add_parser("list", help="list registered jobs with their interval and last run")
    listing.set_defaults(handler=list_jobs)
    parser.set_defaults(handler=list_jobs)


def run_jobs(args) -> int:
    from successhub.cli import UsageError, setup_django

    setup_django()
    from successhub import scheduler

    if args.name:
        if args.name not in scheduler.registered_jobs():
            raise UsageError(f"no periodic job named {args.name!r} (see `successhub jobs list`)")
        scheduler.run_job(args.name, force=True)
        ran = [args.name]
    else:
        ran = scheduler.run_due_jobs()
    from successhub.notifications.models import JobRun

    failed = set(JobRun.objects.filter(name__in=ran, last_succeeded=False).values_list("name", flat=True))
    for name in ran:
        print(f"{name}\t{'failed' if name in failed else 'ok'}")
    if not ran:
        print("no job is due")
    return 1 if failed else 0


def list_jobs(args) -> int:
    from successhub.cli import setup_django

    setup_django()
    from successhub import scheduler
    from successhub.notifications.models import JobRun

    runs = {run.name: run for run in JobRun.objects.all()}
    for name, job in scheduler.registered_jobs().items():
        run = runs.get(name)
        last = run.last_started_at.isoformat() if run and run.last_started_at else "never"
        status = "" if not run or run.last_succeeded is None else ("ok" if run.last_succeeded else "failed")
        print(f"{name}\tevery {job.every_seconds}s\tlast {last}\t{status}".rstrip())
    return 0
