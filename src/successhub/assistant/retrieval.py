"""The bot's knowledge: passages of the indexed articles, FAQ entries, answered questions and courses.

Built from the search index rows (``SearchDocument``) into the in-memory
``successhub.search.ranking.Index`` and cached per process; the index version
counter (bumped by every indexing change) tells when to rebuild.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from successhub.search.indexing import index_version
from successhub.search.models import SearchDocument
from successhub.search.ranking import Document, Hit, Index

KNOWLEDGE_KINDS = ("faq", "article", "question", "course")
PASSAGE_MIN = 60
PASSAGE_MAX = 360
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])")


@dataclass(frozen=True)
class Passage:
    key: str
    kind: str
    object_id: int
    title: str
    url: str
    text: str
    product: str
    organisation_id: int | None

    def visible_to(self, user) -> bool:
        if self.organisation_id is None:
            return True
        if user is None or not user.is_authenticated:
            return False
        return not user.is_customer or user.organisation_id == self.organisation_id


@dataclass(frozen=True)
class KnowledgeBase:
    version: int
    passages: dict[str, Passage]
    index: Index

    def search(self, query: str, user, top: int = 5) -> list[tuple[Passage, Hit]]:
        """The best passages ``user`` may see, best first."""
        found = []
        for hit in self.index.search(query, top=top * 4):
            passage = self.passages[hit.doc_id]
            if passage.visible_to(user):
                found.append((passage, hit))
            if len(found) == top:
                break
        return found


def split_passages(title: str, body: str) -> list[str]:
    """``body`` cut at paragraph and sentence ends into passages of about PASSAGE_MIN..PASSAGE_MAX characters."""
    text = body.strip()
    if text.startswith(title):  # FAQ bodies repeat the question first
        text = text[len(title) :].strip()
    pieces: list[str] = []
    for line in (line.strip() for line in text.splitlines()):
        if not line:
            continue
        if len(line) <= PASSAGE_MAX:
            pieces.append(line)
            continue
        sentence_run = ""
        for sentence in _SENTENCE_END.split(line):
            if sentence_run and len(sentence_run) + len(sentence) > PASSAGE_MAX:
                pieces.append(sentence_run)
                sentence_run = ""
            sentence_run += sentence
        if sentence_run:
            pieces.append(sentence_run)
    passages: list[str] = []
    current = ""
    for piece in pieces:
        if current and (len(current) >= PASSAGE_MIN or len(current) + len(piece) > PASSAGE_MAX):
            passages.append(current)
            current = ""
        current = f"{current}\n{piece}" if current else piece
    if current:
        passages.append(current)
    return passages or ([title] if title else [])


def build_knowledge_base(version: int) -> KnowledgeBase:
    passages: dict[str, Passage] = {}
    rows = SearchDocument.objects.filter(kind__in=KNOWLEDGE_KINDS).values_list(
        "kind", "object_id", "title", "body", "url", "product", "organisation_id"
    )
    for kind, object_id, title, body, url, product, organisation_id in rows.iterator():
        for number, text in enumerate(split_passages(title, body)):
            key = f"{kind}:{object_id}:{number}"
            passages[key] = Passage(key, kind, object_id, title, url, text, product, organisation_id)
    index = Index.build(Document(p.key, p.text, p.title) for p in passages.values())
    return KnowledgeBase(version, passages, index)


_lock = threading.Lock()
_cached: KnowledgeBase | None = None


def knowledge_base() -> KnowledgeBase:
    """The current knowledge base, rebuilt when the search index changed since it was built."""
    global _cached
    version = index_version()
    cached = _cached
    if cached is not None and cached.version == version:
        return cached
    with _lock:
        if _cached is None or _cached.version != version:
            _cached = build_knowledge_base(version)
        return _cached


def forget_knowledge_base() -> None:
    global _cached
    with _lock:
        _cached = None
