"""The knowledge base: catalogue, topics, articles, feedback and revisions."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import F
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from successhub.community import selectors, services
from successhub.community.errors import CommunityError
from successhub.community.models import Article, KbCatalogue, Topic
from successhub.community.views.common import page, products, refuse, staff_only


def kb(request):
    user = request.user
    product = request.GET.get("product") or None
    articles = selectors.visible_articles(user)
    if product:
        articles = articles.filter(product__code=product)
    return render(
        request,
        "community/kb.html",
        {
            "tree": selectors.catalogue_tree(user, product),
            "topics": selectors.topics_with_counts(user),
            "popular": articles.order_by("-view_count", "id")[:10],
            "latest": articles.order_by("-updated_at")[:10],
            "products": products(),
            "product": product,
        },
    )


def kb_catalogue(request, key: str):
    try:
        catalogue = KbCatalogue.objects.select_related("parent").get(key=key)
    except KbCatalogue.DoesNotExist:
        raise Http404 from None
    articles = selectors.visible_articles(request.user).filter(
        catalogue_id__in=selectors.catalogue_descendants(catalogue)
    )
    return render(
        request,
        "community/kb_catalogue.html",
        {
            "catalogue": catalogue,
            "page": page(request, articles.order_by("catalogue__position", "id")),
            "tree": selectors.catalogue_tree(request.user),
            "current_catalogue": catalogue.pk,
        },
    )


def kb_topic(request, key: str):
    try:
        topic = Topic.objects.get(key=key)
    except Topic.DoesNotExist:
        raise Http404 from None
    articles = selectors.visible_articles(request.user).filter(topics=topic)
    return render(request, "community/kb_topic.html", {"topic": topic, "page": page(request, articles)})


def article(request, slug: str):
    user = request.user
    obj = selectors.article_for(user, slug)
    Article.objects.filter(pk=obj.pk).update(view_count=F("view_count") + 1)  # a counter, not content
    return render(
        request,
        "community/article.html",
        {
            "article": obj,
            "tree": selectors.catalogue_tree(user),
            "current_catalogue": obj.catalogue_id,
            "related": selectors.related_articles(user, obj),
            "topics": obj.topics.all(),
            "tags": obj.tags.all(),
            "feedback": selectors.feedback_summary(obj),
            "is_moderator": services.is_moderator(user),
            "revision_count": obj.revisions.count(),
        },
    )


@require_POST
def article_feedback(request, slug: str):
    obj = selectors.article_for(request.user, slug)
    if not request.session.session_key:
        request.session.save()
    services.record_feedback(
        obj,
        helpful=request.POST.get("helpful") == "yes",
        comment=request.POST.get("comment", ""),
        user=request.user if request.user.is_authenticated else None,
        session_key=request.session.session_key or "",
    )
    if request.headers.get("HX-Request"):
        return HttpResponse(format_html('<p class="muted">{}</p>', _("感谢您的反馈！")))
    messages.success(request, _("感谢您的反馈！"))
    return redirect(obj)


@staff_only
def article_revisions(request, slug: str):
    obj = selectors.article_for(request.user, slug)
    revisions = obj.revisions.select_related("author")
    return render(
        request,
        "community/article_revisions.html",
        {"article": obj, "revisions": revisions, "feedback": obj.feedback.select_related("user")[:50]},
    )


@staff_only
def article_edit(request, slug: str):
    obj = selectors.article_for(request.user, slug)
    form = {"title": obj.title, "body": obj.body, "note": ""}
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in ("title", "body", "note")}
        try:
            revision = services.publish_article_revision(
                request.user, obj, form["title"], form["body"], form["note"]
            )
        except CommunityError as exc:
            refuse(request, exc)
        else:
            messages.success(request, _("已发布第 %(number)s 版。") % {"number": revision.number})
            return redirect(obj)
    return render(request, "community/article_edit.html", {"article": obj, "form": form})
