"""The search page: one box across questions, articles, FAQ and courses."""

from __future__ import annotations

from django.shortcuts import render

from successhub.contracts.models import Product
from successhub.search.selectors import KIND_LABELS, search
from successhub.security.params import parse_page


def _page_number(value: str | None) -> int:
    return parse_page(value)


def search_page(request):
    query = request.GET.get("q", "").strip()
    product = request.GET.get("product", "").strip()
    kind = request.GET.get("kind", "").strip()
    if kind not in KIND_LABELS:
        kind = ""
    page = (
        search(
            request.user,
            query,
            product=product or None,
            kinds=[kind] if kind else None,
            page=_page_number(request.GET.get("page")),
        )
        if query
        else None
    )
    return render(
        request,
        "search/search.html",
        {
            "query": query,
            "product": product,
            "kind": kind,
            "page": page,
            "kinds": [(code, label) for code, label in KIND_LABELS.items()],
            "products": Product.objects.order_by("code").values_list("code", "name"),
        },
    )
