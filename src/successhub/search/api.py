"""``GET /api/v1/search``: the search page's results as JSON (visitors see public content only)."""

from __future__ import annotations

from typing import Annotated

from ninja import Query, Router, Schema
from ninja.security import SessionAuth
from pydantic import Field

from successhub.api.base import BearerAuth, PageNumber, TokenHeaderAuth, public_read
from successhub.search.selectors import search

router = Router(tags=["search"])


class SearchIn(Schema):
    q: str
    product: str | None = None
    kind: list[str] | None = None
    page: PageNumber = 1
    per_page: Annotated[int, Field(ge=1, le=100)] = 20


class SearchResultOut(Schema):
    kind: str
    object_id: int
    title: str
    url: str
    product: str
    snippet_html: str
    score: float


class SearchOut(Schema):
    query: str
    total: int
    page: int
    per_page: int
    results: list[SearchResultOut]


@router.get(
    "/search",
    response=SearchOut,
    auth=[SessionAuth(), BearerAuth(), TokenHeaderAuth(), public_read],
    summary="Search questions, articles, FAQ and courses",
)
def search_documents(request, filters: Query[SearchIn]):
    page = search(
        request.user,
        filters.q,
        product=filters.product,
        kinds=filters.kind,
        page=max(1, filters.page),
        per_page=filters.per_page,
    )
    return {
        "query": page.query,
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
        "results": [
            {
                "kind": r.kind,
                "object_id": r.object_id,
                "title": r.title,
                "url": r.url,
                "product": r.product,
                "snippet_html": str(r.snippet),
                "score": r.score,
            }
            for r in page.results
        ],
    }
