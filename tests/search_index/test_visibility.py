"""Search results never include hidden content or another organisation's private content."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from successhub.accounts.models import Role
from successhub.search.indexing import index_doc, reindex_object
from successhub.search.selectors import search


def _doc(object_id: int, title: str, organisation_id=None, kind="article", product=None) -> dict:
    return {
        "kind": kind,
        "object_id": object_id,
        "title": title,
        "body": f"{title}。月末结账前请先检查未过账凭证。",
        "url": f"/kb/{object_id}/",
        "product": product,
        "organisation_id": organisation_id,
    }


@pytest.fixture
def three_audiences(db, make_org, make_user):
    mine, theirs = make_org(), make_org()
    index_doc(_doc(1, "公开：结账检查清单"))
    index_doc(_doc(2, "华东专用：结账检查清单", mine.pk))
    index_doc(_doc(3, "南方专用：结账检查清单", theirs.pk))
    return {
        "visitor": AnonymousUser(),
        "member": make_user(mine),
        "other member": make_user(theirs),
        "staff": make_user(role=Role.SUPPORT_ENGINEER),
    }


@pytest.mark.parametrize(
    ("who", "titles"),
    [
        ("visitor", {"公开：结账检查清单"}),
        ("member", {"公开：结账检查清单", "华东专用：结账检查清单"}),
        ("other member", {"公开：结账检查清单", "南方专用：结账检查清单"}),
        ("staff", {"公开：结账检查清单", "华东专用：结账检查清单", "南方专用：结账检查清单"}),
    ],
)
def test_private_content_is_found_only_by_its_organisation_and_staff(three_audiences, who, titles):
    page = search(three_audiences[who], "结账检查清单")
    assert {r.title for r in page.results} == titles
    assert page.total == len(titles)


class _Hideable:
    """A stand-in content object: ``as_search_doc`` is None while hidden."""

    _meta = type("Meta", (), {"model_name": "article"})

    def __init__(self, pk: int, hidden: bool):
        self.pk = pk
        self.hidden = hidden

    def as_search_doc(self):
        return None if self.hidden else _doc(self.pk, "可隐藏的文章：结账检查清单")


def test_hiding_an_object_removes_it_from_the_index(db):
    reindex_object(_Hideable(7, hidden=False))
    assert search(AnonymousUser(), "可隐藏的文章").total == 1
    reindex_object(_Hideable(7, hidden=True))
    assert search(AnonymousUser(), "可隐藏的文章").total == 0


def test_filters_by_product_and_kind(db):
    index_doc(_doc(11, "星空结账", product="galaxy"))
    index_doc(_doc(12, "苍穹结账", product="cosmic"))
    index_doc(_doc(13, "结账常见问题", kind="faq", product="galaxy"))
    user = AnonymousUser()
    assert {r.title for r in search(user, "结账", product="galaxy").results} == {"星空结账", "结账常见问题"}
    assert {r.title for r in search(user, "结账", kinds=["faq"]).results} == {"结账常见问题"}
    assert {r.title for r in search(user, "结账", product="galaxy", kinds=["article"]).results} == {
        "星空结账"
    }
