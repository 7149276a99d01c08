"""Community demo content from the YAML in ``demo/content/``: knowledge base, FAQ, Q&A, courses, ideas.

Idempotent: every row is found by its key (slug) first, so loading twice changes nothing.
Posts are seeded as data (no rate limit or notifications); authors are the foundation's
demo users: customers ``customer`` and ``retail``, staff ``engineer`` and ``manager``.
"""

from __future__ import annotations

import datetime as dt
from itertools import cycle
from pathlib import Path

import yaml
from django.db import transaction
from django.utils import timezone

from successhub.accounts.models import User
from successhub.community import services
from successhub.community.models import (
    Answer,
    Article,
    ArticleRevision,
    Course,
    Faq,
    Idea,
    IdeaStatus,
    KbCatalogue,
    Lesson,
    Question,
    Tag,
    Topic,
)
from successhub.contracts.models import Product

CONTENT_DIR = Path(__file__).resolve().parent / "content"

# The path an idea takes to reach each status (declined ideas were looked at first).
STATUS_PATHS = {
    IdeaStatus.SUBMITTED: [],
    IdeaStatus.UNDER_REVIEW: [IdeaStatus.UNDER_REVIEW],
    IdeaStatus.PLANNED: [IdeaStatus.UNDER_REVIEW, IdeaStatus.PLANNED],
    IdeaStatus.RELEASED: [IdeaStatus.UNDER_REVIEW, IdeaStatus.PLANNED, IdeaStatus.RELEASED],
    IdeaStatus.DECLINED: [IdeaStatus.UNDER_REVIEW, IdeaStatus.DECLINED],
}


def _read(name: str, key: str) -> list[dict]:
    path = CONTENT_DIR / name
    if not path.exists():
        return []
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get(key) or []


class _Context:
    def __init__(self) -> None:
        self.products = {p.code: p for p in Product.objects.all()}
        users = {
            u.username: u
            for u in User.objects.filter(username__in=["customer", "retail", "engineer", "manager"])
        }
        self.customers = cycle([users[name] for name in ("customer", "retail") if name in users])
        self.staff = cycle([users[name] for name in ("engineer", "manager") if name in users])
        self.now = timezone.now()

    def product(self, code: str | None) -> Product | None:
        return self.products.get(code) if code else None

    def author(self, kind: str) -> User:
        return next(self.staff if kind == "staff" else self.customers)


def _tags(names) -> list[Tag]:
    return [Tag.objects.get_or_create(name=str(name)[:50])[0] for name in names or []]


def _knowledge_base(ctx: _Context) -> int:
    data = (
        yaml.safe_load((CONTENT_DIR / "kb.yaml").read_text(encoding="utf-8"))
        if (CONTENT_DIR / "kb.yaml").exists()
        else {}
    )
    catalogues: dict[str, KbCatalogue] = {}
    for position, row in enumerate(data.get("catalogues") or []):
        catalogues[row["key"]], _ = KbCatalogue.objects.get_or_create(
            key=row["key"],
            defaults={
                "title": row["title"],
                "product": ctx.product(row.get("product")),
                "parent": catalogues.get(row.get("parent")) if row.get("parent") else None,
                "position": position,
            },
        )
    topics: dict[str, Topic] = {}
    for position, row in enumerate(data.get("topics") or []):
        topics[row["key"]], _ = Topic.objects.get_or_create(
            key=row["key"],
            defaults={
                "title": row["title"],
                "description": row.get("description") or "",
                "position": position,
            },
        )
    created = 0
    for index, row in enumerate(data.get("articles") or []):
        if Article.objects.filter(slug=row["slug"]).exists():
            continue
        author = ctx.author("staff")
        at = ctx.now - dt.timedelta(days=len(data["articles"]) - index)
        article = Article.objects.create(
            slug=row["slug"],
            title=row["title"],
            body=row["body"],
            catalogue=catalogues[row["catalogue"]],
            product=ctx.product(row.get("product")),
            service=row.get("service") or "",
            plan=row.get("plan") or "",
            created_at=at,
        )
        ArticleRevision.objects.create(
            article=article,
            number=1,
            title=row["title"],
            body=row["body"],
            note="首次发布",
            author=author,
            created_at=at,
        )
        article.topics.set([topics[key] for key in row.get("topics") or [] if key in topics])
        article.tags.set(_tags(row.get("tags")))
        created += 1
    return created


def _faq(ctx: _Context) -> int:
    created = 0
    for position, row in enumerate(_read("faq.yaml", "faq")):
        faq, was_created = Faq.objects.get_or_create(
            key=row["key"],
            defaults={
                "question": row["question"],
                "answer": row["answer"],
                "product": ctx.product(row.get("product")),
                "service": row.get("service") or "",
                "position": position,
            },
        )
        if was_created:
            faq.tags.set(_tags(row.get("tags")))
            created += 1
    return created


def _questions(ctx: _Context) -> int:
    rows = _read("questions.yaml", "questions")
    created = 0
    for index, row in enumerate(rows):
        if Question.objects.filter(key=row["key"]).exists():
            continue
        asked_at = ctx.now - dt.timedelta(days=2 * (len(rows) - index), hours=index % 7)
        question = Question.objects.create(
            key=row["key"],
            title=row["title"],
            body=row["body"],
            product=ctx.product(row.get("product")),
            author=ctx.author(row.get("author", "customer")),
            legacy_votes=int(row.get("votes") or 0),
            score=int(row.get("votes") or 0),
            created_at=asked_at,
        )
        question.tags.set(_tags(row.get("tags")))
        for number, answer in enumerate(row.get("answers") or [], start=1):
            votes = int(answer.get("votes") or 0)
            Answer.objects.create(
                question=question,
                body=answer["body"],
                author=ctx.author(answer.get("author", "staff")),
                is_accepted=bool(answer.get("accepted")),
                legacy_votes=votes,
                score=votes,
                created_at=asked_at + dt.timedelta(hours=3 * number),
            )
        question.answer_count = question.answers.count()
        question.save()
        created += 1
    return created


def _courses(ctx: _Context) -> int:
    created = 0
    for position, row in enumerate(_read("courses.yaml", "courses")):
        if Course.objects.filter(slug=row["key"]).exists():
            continue
        course = Course(
            slug=row["key"],
            title=row["title"],
            kind=row["kind"],
            product=ctx.product(row.get("product")),
            summary=row.get("summary") or "",
            position=position,
        )
        course.save()
        for number, lesson in enumerate(row.get("lessons") or [], start=1):
            Lesson.objects.create(
                course=course,
                position=number,
                title=lesson["title"],
                body=lesson.get("body") or "",
                duration_minutes=int(lesson.get("minutes") or 5),
            )
        course.save()  # again, so the search document includes the lesson titles
        created += 1
    return created


def _ideas(ctx: _Context) -> int:
    rows = _read("ideas.yaml", "ideas")
    created = 0
    for index, row in enumerate(rows):
        if Idea.objects.filter(key=row["key"]).exists():
            continue
        author = ctx.author("customer")
        votes = int(row.get("votes") or 0)
        with transaction.atomic():
            idea = Idea.objects.create(
                key=row["key"],
                title=row["title"],
                description=row["description"],
                product=ctx.product(row.get("product")),
                author=author,
                organisation=author.organisation,
                legacy_votes=votes,
                vote_count=votes,
                created_at=ctx.now - dt.timedelta(days=3 * (len(rows) - index) + 20),
            )
            steps = STATUS_PATHS[row.get("status") or IdeaStatus.SUBMITTED]
            for step, status in enumerate(steps, start=1):
                final = step == len(steps)
                response = (row.get("response") or "") if final else ""
                if status == IdeaStatus.DECLINED and not response:
                    response = "感谢建议。经评估，该需求暂不纳入产品规划。"
                services.change_idea_status(
                    ctx.author("staff"), idea, status, response, notify_followers=False
                )
        created += 1
    return created


@transaction.atomic
def load() -> list[str]:
    ctx = _Context()
    counts = {
        "知识文章": _knowledge_base(ctx),
        "常见问题": _faq(ctx),
        "互助问答": _questions(ctx),
        "课程": _courses(ctx),
        "创新广场需求": _ideas(ctx),
    }
    added = "，".join(f"{name} {n}" for name, n in counts.items() if n)
    return [
        f"金蝶云社区 /community/、知识库 /kb/、创新广场 /ideas/（本次新增：{added or '无，已是最新'}）",
    ]
