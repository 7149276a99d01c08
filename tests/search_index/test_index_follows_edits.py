"""The index follows every edit of community content, in the same transaction (signals)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from successhub.search.models import SearchDocument
from successhub.search.selectors import search

community = pytest.importorskip("successhub.community.models")


def _found(text: str) -> set[str]:
    return {r.title for r in search(AnonymousUser(), text).results}


def test_a_new_faq_is_found(db):
    community.Faq.objects.create(
        key="k1", question="预算编制怎么开始？", answer="先建立预算方案，再下达预算模板。"
    )
    assert _found("预算方案") == {"预算编制怎么开始？"}


def test_an_edit_finds_the_new_words_and_forgets_the_old(db):
    faq = community.Faq.objects.create(
        key="k2", question="如何导出凭证？", answer="在凭证查询中选择导出到表格。"
    )
    faq.answer = "在序时簿中使用批量打印功能。"
    faq.save()
    assert _found("批量打印") == {"如何导出凭证？"}
    assert _found("表格") == set()


def test_hiding_or_deleting_removes_it(db):
    hidden = community.Faq.objects.create(key="k3", question="工资条怎么发？", answer="使用工资条发放功能。")
    deleted = community.Faq.objects.create(
        key="k4", question="工资表怎么导出？", answer="使用工资表导出功能。"
    )
    hidden.is_hidden = True
    hidden.save()
    deleted.delete()
    assert _found("工资条") == set()
    assert _found("工资表") == set()
    assert not SearchDocument.objects.filter(kind="faq").exists()
