"""Keeping the search index in step with the content.

Every indexed model (``successhub.community.search.INDEXED_MODELS``) exposes
``as_search_doc()``: a dict, or ``None`` when the object must not be found
(hidden, unpublished, merged). ``post_save``/``post_delete`` receivers write
the index row in the same transaction as the edit; the database triggers from
migration ``0002`` carry the change into FTS5 / the tsvector.

``index_version()`` is a counter in Django's cache, bumped by every change, so
in-memory indexes built from these rows (the bot's) know when to rebuild.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from successhub.search.analysis import tokens_for_index
from successhub.search.models import SearchDocument

logger = logging.getLogger(__name__)

VERSION_KEY = "search:index-version"
DOC_FIELDS = ("kind", "object_id", "title", "body", "url")


def indexed_models() -> list[type]:
    """The models whose objects are searchable (empty until the community app is installed)."""
    try:
        module = importlib.import_module("successhub.community.search")
    except ImportError:
        return []
    return list(getattr(module, "INDEXED_MODELS", []))


def document_fields(doc: dict) -> dict:
    """The row values for ``doc`` (tokens computed here, once)."""
    missing = [name for name in DOC_FIELDS if name not in doc]
    if missing:
        raise ValueError(f"search document lacks {', '.join(missing)}")
    title = str(doc["title"] or "")
    body = str(doc["body"] or "")
    return {
        "title": title[:300],
        "body": body,
        "url": str(doc["url"])[:500],
        "product": doc.get("product") or "",
        "organisation_id": doc.get("organisation_id"),
        "title_tokens": " ".join(tokens_for_index(title)),
        "tokens": " ".join(tokens_for_index(body)),
        "updated_at": doc.get("updated_at") or timezone.now(),
    }


def index_doc(doc: dict) -> SearchDocument:
    """Create or replace the index row for one document."""
    row, _ = SearchDocument.objects.update_or_create(
        kind=doc["kind"], object_id=int(doc["object_id"]), defaults=document_fields(doc)
    )
    bump_version()
    return row


def remove_doc(kind: str, object_id: int) -> int:
    deleted, _ = SearchDocument.objects.filter(kind=kind, object_id=int(object_id)).delete()
    if deleted:
        bump_version()
    return deleted


def kind_of(obj) -> str:
    """The index kind of a model instance (``search_kind`` if the model names one)."""
    return getattr(obj, "search_kind", None) or obj._meta.model_name


def reindex_object(obj) -> SearchDocument | None:
    """Index ``obj`` as it is now: its document, or its removal if it must not be found."""
    doc = obj.as_search_doc()
    if doc is None:
        remove_doc(kind_of(obj), obj.pk)
        return None
    return index_doc(doc)


def index_docs(docs: Iterable[dict]) -> int:
    """Index many documents (the reindex command); one version bump at the end."""
    count = 0
    for doc in docs:
        SearchDocument.objects.update_or_create(
            kind=doc["kind"], object_id=int(doc["object_id"]), defaults=document_fields(doc)
        )
        count += 1
    bump_version()
    return count


# --- the version counter ------------------------------------------------------


def index_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        # Start from the clock, not 0, so a cleared cache never repeats a version seen before.
        cache.add(VERSION_KEY, time.time_ns(), None)
        version = cache.get(VERSION_KEY)
    return int(version or 0)


def bump_version() -> None:
    _bump()
    # Readers that rebuilt between the edit and the commit saw the old rows: bump again once visible.
    transaction.on_commit(_bump)


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, time.time_ns(), None)


# --- signals --------------------------------------------------------------------


def _on_save(sender, instance, raw=False, **kwargs) -> None:
    if raw:  # loaddata: the objects may be incomplete; `successhub reindex` catches up
        return
    reindex_object(instance)


def _on_delete(sender, instance, **kwargs) -> None:
    remove_doc(kind_of(instance), instance.pk)


def connect_signals() -> None:
    for model in indexed_models():
        uid = f"search-index-{model._meta.label_lower}"
        post_save.connect(_on_save, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(_on_delete, sender=model, dispatch_uid=f"{uid}-delete")
