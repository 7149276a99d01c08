"""The demo content (``successhub/demo/content/*.yaml``) as search documents, without the community models.

Object ids are positions in the files; ``key`` names each document in relevance tables.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

import successhub.demo

CONTENT = Path(successhub.demo.__file__).resolve().parent / "content"


def _load(name: str, key: str) -> list[dict]:
    return yaml.safe_load((CONTENT / name).read_text(encoding="utf-8"))[key]


@lru_cache(maxsize=1)
def demo_documents() -> tuple[dict, ...]:
    docs: list[dict] = []
    for n, article in enumerate(_load("kb.yaml", "articles"), start=1):
        docs.append(
            _doc(
                "article",
                n,
                article["slug"],
                article["title"],
                article["body"],
                article.get("product"),
                f"/kb/{article['slug']}/",
            )
        )
    for n, faq in enumerate(_load("faq.yaml", "faq"), start=1):
        docs.append(
            _doc(
                "faq",
                n,
                faq["key"],
                faq["question"],
                f"{faq['question']}\n{faq['answer']}",
                faq.get("product"),
                f"/faq/#faq-{faq['key']}",
            )
        )
    for n, question in enumerate(_load("questions.yaml", "questions"), start=1):
        answers = sorted(question.get("answers", []), key=lambda a: not a.get("accepted"))
        body = "\n".join([question["body"], *(a["body"] for a in answers)])
        docs.append(
            _doc(
                "question",
                n,
                question["key"],
                question["title"],
                body,
                question.get("product"),
                f"/community/questions/{n}/",
            )
        )
    for n, course in enumerate(_load("courses.yaml", "courses"), start=1):
        lessons = "\n".join(
            f"{lesson['title']}\n{lesson.get('body', '')}" for lesson in course.get("lessons", [])
        )
        docs.append(
            _doc(
                "course",
                n,
                course["key"],
                course["title"],
                f"{course.get('summary', '')}\n{lessons}",
                course.get("product"),
                f"/courses/{course['key']}/",
            )
        )
    return tuple(docs)


def _doc(kind, object_id, key, title, body, product, url) -> dict:
    return {
        "kind": kind,
        "object_id": 900000 + object_id,
        "key": key,
        "title": title,
        "body": body,
        "url": url,
        "product": product,
        "organisation_id": None,
    }


def key_of(kind: str, object_id: int) -> str:
    for doc in demo_documents():
        if doc["kind"] == kind and doc["object_id"] == object_id:
            return doc["key"]
    return f"{kind}:{object_id}"


@lru_cache(maxsize=1)
def demo_rows() -> tuple[dict, ...]:
    """Each document's row values, tokens computed once per test session."""
    from successhub.search.indexing import document_fields

    return tuple(
        {"kind": d["kind"], "object_id": d["object_id"], **document_fields(d)} for d in demo_documents()
    )


def load_demo_index() -> int:
    """Write the demo documents into the index (bulk; the database triggers fill the full-text index)."""
    from successhub.search.indexing import bump_version
    from successhub.search.models import SearchDocument

    SearchDocument.objects.bulk_create(SearchDocument(**row) for row in demo_rows())
    bump_version()
    return len(demo_rows())
