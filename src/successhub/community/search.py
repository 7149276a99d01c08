"""What the search index (``successhub.search``) reads from the community.

Each model has ``as_search_doc() -> dict | None`` (None: hidden or unpublished,
so the index drops it); saving or deleting a row fires the normal model signals.
"""

from successhub.community.models import Article, Course, Faq, Question

INDEXED_MODELS = [Question, Article, Faq, Course]
