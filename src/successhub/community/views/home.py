"""The community's front page and 联系我们 (the ways to reach the service)."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import get_language

from successhub.community import selectors
from successhub.community.models import Topic
from successhub.community.views.common import products


def index(request):
    user = request.user
    product = request.GET.get("product") or None
    questions = selectors.question_list(user, product=product)[:10]
    articles = selectors.visible_articles(user)
    if product:
        articles = articles.filter(product__code=product)
    courses = list(selectors.visible_courses(product=product)[:6])
    return render(
        request,
        "community/index.html",
        {
            "products": products(),
            "product": product,
            "questions": questions,
            "articles": articles.order_by("-view_count", "id")[:8],
            "faqs": selectors.visible_faqs(product)[:8],
            "courses": courses,
            "progress": selectors.course_progress(user, courses),
            "ideas": selectors.visible_ideas(user, product=product)[:6],
            "topics": Topic.objects.all()[:12],
        },
    )


def contact(request):
    """联系我们: 售后在线服务 (a ticket through the community), the hotline, the bot and the innovation square."""
    user = request.user if request.user.is_authenticated else None
    return render(
        request,
        "community/contact.html",
        {
            "channels": selectors.contact_channels_for(user, get_language() or "zh"),
            "is_customer": bool(user and user.is_customer),
        },
    )
