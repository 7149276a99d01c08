"""``successhub worker``: the Celery worker (and ``--beat`` for periodic jobs) in production."""

from __future__ import annotations


def register(subparsers) -> None:
    parser = subparsers.add_parser("worker", help="run the background worker (Celery)")
    parser.add_argument("--beat", action="store_true", help="also run the periodic scheduler")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.set_defaults(handler=worker)


def worker(args) -> int:
    from successhub.cli import setup_django

    setup_django()
    from successhub.tasks import app

    # No mingle or gossip: nothing here revokes tasks or watches other workers, and a restarted worker
    # is back a second sooner (the failure drills in bench/drills.py time it).
    argv = [
        "worker",
        "--loglevel=INFO",
        f"--concurrency={args.concurrency}",
        "--without-mingle",
        "--without-gossip",
    ]
    if args.beat:
        argv.append("--beat")
    app.worker_main(argv)
    return 0
