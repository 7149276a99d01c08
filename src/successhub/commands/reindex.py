"""``successhub reindex [--kind K]``: rebuild the search index from the content, with a progress bar.

Every object of every indexed model (or of one kind) is indexed again as it is
now; hidden objects and rows whose object no longer exists are dropped. The bar
goes to standard error, the final count to standard output.
"""

from __future__ import annotations

import sys
import time

from successhub.cli import UsageError

BAR_WIDTH = 30
BATCH = 200


def register(subparsers) -> None:
    parser = subparsers.add_parser("reindex", help="rebuild the full-text search index")
    parser.add_argument(
        "--kind",
        action="append",
        metavar="K",
        help="only this kind (question, article, faq, course); repeatable",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(handler=reindex)


class ProgressBar:
    """A plain-text bar redrawn in place: ``[#####.....]  50/100 article``."""

    def __init__(self, total: int, stream=None, enabled: bool = True):
        self.total = max(total, 0)
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.done = 0
        self._last_draw = 0.0

    def advance(self, label: str, step: int = 1) -> None:
        self.done += step
        now = time.monotonic()
        if self.done >= self.total or now - self._last_draw >= 0.1:
            self._last_draw = now
            self.draw(label)

    def draw(self, label: str) -> None:
        if not self.enabled:
            return
        filled = BAR_WIDTH if not self.total else int(BAR_WIDTH * self.done / self.total)
        width = len(str(self.total))
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {self.done:>{width}}/{self.total} {label:<10}"
        )
        self.stream.flush()

    def finish(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def reindex(args) -> int:
    from successhub.cli import setup_django

    setup_django()
    from django.db import transaction

    from successhub.search.indexing import bump_version, indexed_models, reindex_object
    from successhub.search.models import SearchDocument

    models = indexed_models()
    if not models:
        print("No indexed content types are installed; nothing to index.")
        return 0
    by_kind = {model._meta.model_name: model for model in models}
    wanted = args.kind or list(by_kind)
    unknown = [k for k in wanted if k not in by_kind]
    if unknown:
        raise UsageError(f"unknown kind {', '.join(unknown)} (known: {', '.join(by_kind)})")

    querysets = {kind: by_kind[kind]._default_manager.order_by("pk") for kind in wanted}
    total = sum(qs.count() for qs in querysets.values())
    bar = ProgressBar(total, enabled=not args.quiet)
    counts: dict[str, int] = {}
    removed = 0
    for kind, queryset in querysets.items():
        kept: set[int] = set()
        indexed = 0
        pks = list(queryset.values_list("pk", flat=True))
        for start in range(0, len(pks), BATCH):
            with transaction.atomic():
                for obj in queryset.filter(pk__in=pks[start : start + BATCH]):
                    row = reindex_object(obj)
                    if row is not None:
                        kept.add(obj.pk)
                        indexed += 1
                    bar.advance(kind)
        if not pks:
            bar.draw(kind)
        stale = SearchDocument.objects.filter(kind=_kind_of_model(by_kind[kind])).exclude(object_id__in=kept)
        removed += stale.delete()[0]
        counts[kind] = indexed
    bar.finish()
    bump_version()
    summary = ", ".join(f"{kind} {count}" for kind, count in counts.items())
    print(f"Indexed {sum(counts.values())} documents ({summary}); removed {removed} stale.")
    return 0


def _kind_of_model(model) -> str:
    return getattr(model, "search_kind", None) or model._meta.model_name
