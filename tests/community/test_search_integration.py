"""Community content in the site search (the index is a colleague's app; these tests check that
what the community saves reaches it with the right visibility)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from successhub.community import services
from successhub.community.models import Article, KbCatalogue

search_selectors = pytest.importorskip("successhub.search.selectors")


def _titles(user, text):
    return {hit.title for hit in search_selectors.search(user, text).results}


def test_search_never_shows_hidden_or_foreign_private_questions(people, make_question):
    public = make_question(people.customer, title="固定资产折旧计提公开问题")
    hidden = make_question(people.customer, title="固定资产折旧计提隐藏问题")
    make_question(people.customer, title="固定资产折旧计提内部问题", organisation=people.advanced_org)
    services.hide_content(people.engineer, hidden)

    for outsider in (AnonymousUser(), people.standard_customer):
        titles = _titles(outsider, "固定资产折旧计提")
        assert public.title in titles
        assert "固定资产折旧计提隐藏问题" not in titles
        assert "固定资产折旧计提内部问题" not in titles
    assert "固定资产折旧计提内部问题" in _titles(people.colleague, "固定资产折旧计提")


def test_search_drops_an_article_once_hidden_and_shows_it_again(people):
    catalogue = KbCatalogue.objects.create(key="galaxy", title="金蝶云·星空")
    article = Article.objects.create(
        slug="fx", title="期末调汇操作指南", body="先调汇再结转损益", catalogue=catalogue
    )
    assert "期末调汇操作指南" in _titles(None, "期末调汇")
    services.hide_content(people.engineer, article)
    assert "期末调汇操作指南" not in _titles(None, "期末调汇")
    services.hide_content(people.engineer, article, hidden=False)
    assert "期末调汇操作指南" in _titles(None, "期末调汇")
