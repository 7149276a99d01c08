"""The community demo loader reads the YAML content and is idempotent."""

from __future__ import annotations

import pytest

from successhub.community.models import (
    Answer,
    Article,
    ArticleRevision,
    Course,
    Faq,
    Idea,
    IdeaStatusChange,
    KbCatalogue,
    Lesson,
    Question,
    Tag,
    Topic,
)
from successhub.demo import LOADERS, community, foundation

MODELS = [
    Question,
    Answer,
    Tag,
    KbCatalogue,
    Topic,
    Article,
    ArticleRevision,
    Faq,
    Course,
    Lesson,
    Idea,
    IdeaStatusChange,
]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.mark.django_db
def test_loading_twice_changes_nothing_and_content_is_consistent():
    foundation.load()
    community.load()
    first = counts()
    assert all(first[name] > 0 for name in first), first
    community.load()
    assert counts() == first

    authors = set(Question.objects.values_list("author__username", flat=True))
    assert authors <= {"customer", "retail", "engineer", "manager"}
    assert Answer.objects.filter(author__username__in=["engineer", "manager"], is_accepted=True).exists()
    for idea in Idea.objects.prefetch_related("status_changes"):
        changes = list(idea.status_changes.all())
        assert idea.status == (changes[-1].to_status if changes else "submitted"), idea.key
        if idea.status == "declined":
            assert idea.official_response, idea.key


def test_registered_after_foundation():
    assert LOADERS.index("successhub.demo.community") > LOADERS.index("successhub.demo.foundation")
