"""``successhub serve``: run the web application (ASGI, uvicorn)."""

from __future__ import annotations

import os


def register(subparsers) -> None:
    parser = subparsers.add_parser("serve", help="run the web server")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "1")))
    parser.add_argument("--no-migrate", action="store_true", help="do not apply database migrations first")
    parser.set_defaults(handler=serve)


def serve(args) -> int:
    from successhub.cli import setup_django

    setup_django()
    from django.core.management import call_command

    if not args.no_migrate:
        call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    _start_embedded_scheduler()
    import uvicorn

    print(f"SuccessHub at http://{args.host}:{args.port}/  (Ctrl-C to stop)", flush=True)
    uvicorn.run(
        "successhub.asgi:application",
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=os.environ.get("UVICORN_LOG_LEVEL", "warning"),
        lifespan="off",
    )
    return 0


def _start_embedded_scheduler() -> None:
    """Embedded default (no REDIS_URL, so no Celery beat): run periodic jobs from a daemon thread."""
    from django.conf import settings

    if settings.REDIS_URL:
        return
    from successhub.scheduler import start_embedded_scheduler

    start_embedded_scheduler(settings.SUCCESSHUB_EMBEDDED_SCHEDULER_SECONDS)
