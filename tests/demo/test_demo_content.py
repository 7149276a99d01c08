"""Consistency checks for the demo community and knowledge-base content (YAML only, no database).

Run without Django: ``pytest tests/demo -q -p no:django``.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

CONTENT_DIR = Path(__file__).resolve().parents[2] / "src" / "successhub" / "demo" / "content"
CONTENT_FILES = ["kb.yaml", "faq.yaml", "questions.yaml", "courses.yaml", "ideas.yaml"]

PRODUCTS = {"galaxy", "cosmic", "constellation", "eas_cloud", "s_hr"}
STANDARD_SERVICES = {
    "community",
    "smart_service",
    "public_cloud_ops",
    "patch_download",
    "demand_listening",
    "license_upgrade",
    "hotline",
}
ADVANCED_ONLY_SERVICES = {
    "private_cloud_ops",
    "online_ticket",
    "im_service",
    "custom_dev_maintenance",
    "critical_moment_support",
    "technical_manager",
    "dedicated_im_group",
    "service_report",
    "health_check",
}
SERVICES = STANDARD_SERVICES | ADVANCED_ONLY_SERVICES
# Items whose terms differ between the plans: each plan needs its own article.
SERVICES_DIFFERING_BY_PLAN = {"hotline", "demand_listening", "license_upgrade"}
PLANS = {"standard", "advanced", None}
COURSE_KINDS = {"quick_start", "scenario", "learning_path", "howto", "courseware"}
IDEA_STATUSES = {"submitted", "under_review", "planned", "released", "declined"}
AUTHORS = {"customer", "staff"}
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CJK = re.compile(r"[\u4e00-\u9fff]")
HOTLINE_NUMBER = "4008-836-836"


def load(name: str) -> dict:
    with open(CONTENT_DIR / name, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module")
def kb() -> dict:
    return load("kb.yaml")


def duplicates(values) -> list:
    return [value for value, count in Counter(values).items() if count > 1]


def cjk_length(text: str) -> int:
    return len(CJK.findall(text))


def compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ---------------------------------------------------------------------------
# files
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", CONTENT_FILES)
def test_file_is_a_yaml_mapping(name):
    assert isinstance(load(name), dict), f"{name} must hold a YAML mapping"


@pytest.mark.parametrize("name", CONTENT_FILES)
def test_only_the_seed_hotline_number_is_quoted(name):
    text = (CONTENT_DIR / name).read_text(encoding="utf-8")
    numbers = set(re.findall(r"\b400\d?-?\d{3}-?\d{3,4}\b", text))
    assert numbers <= {HOTLINE_NUMBER}, f"{name} quotes unknown numbers {numbers}"


# ---------------------------------------------------------------------------
# kb.yaml: catalogues and topics
# ---------------------------------------------------------------------------


def test_catalogue_keys_are_unique(kb):
    assert not duplicates(c["key"] for c in kb["catalogues"])


def test_catalogue_parents_exist_and_share_the_product(kb):
    by_key = {c["key"]: c for c in kb["catalogues"]}
    for catalogue in kb["catalogues"]:
        assert catalogue["title"], catalogue["key"]
        assert catalogue["product"] in PRODUCTS | {None}, catalogue["key"]
        parent = catalogue["parent"]
        if parent is None:
            continue
        assert parent in by_key, f"{catalogue['key']}: unknown parent {parent}"
        assert by_key[parent]["product"] in (None, catalogue["product"]), catalogue["key"]


def test_every_product_has_a_catalogue_root(kb):
    roots = {c["product"] for c in kb["catalogues"] if c["parent"] is None}
    assert PRODUCTS <= roots


def test_topic_keys_are_unique_and_described(kb):
    assert not duplicates(t["key"] for t in kb["topics"])
    for topic in kb["topics"]:
        assert topic["title"] and topic["description"], topic["key"]


# ---------------------------------------------------------------------------
# kb.yaml: articles
# ---------------------------------------------------------------------------

ARTICLE_FIELDS = {"slug", "title", "catalogue", "product", "topics", "tags", "service", "plan", "body"}


def test_article_slugs_are_unique_kebab_case(kb):
    slugs = [a["slug"] for a in kb["articles"]]
    assert not duplicates(slugs)
    assert [s for s in slugs if not SLUG.match(s)] == []


def test_articles_have_every_field(kb):
    for article in kb["articles"]:
        assert ARTICLE_FIELDS <= set(article), (
            f"{article.get('slug')}: missing {ARTICLE_FIELDS - set(article)}"
        )
        assert article["title"] and article["tags"], article["slug"]


def test_article_references_exist(kb):
    catalogues = {c["key"]: c for c in kb["catalogues"]}
    topics = {t["key"] for t in kb["topics"]}
    for article in kb["articles"]:
        slug = article["slug"]
        assert article["catalogue"] in catalogues, f"{slug}: unknown catalogue"
        assert set(article["topics"]) <= topics, f"{slug}: unknown topics"
        assert article["product"] in PRODUCTS | {None}, f"{slug}: unknown product"
        assert article["product"] == catalogues[article["catalogue"]]["product"], (
            f"{slug}: product ≠ catalogue's"
        )
        assert article["service"] in SERVICES | {None}, f"{slug}: unknown service"
        assert article["plan"] in PLANS, f"{slug}: unknown plan"


def test_article_bodies_are_150_to_600_chinese_characters(kb):
    wrong = {
        a["slug"]: cjk_length(a["body"]) for a in kb["articles"] if not 150 <= cjk_length(a["body"]) <= 600
    }
    assert wrong == {}


def test_every_service_item_has_an_article(kb):
    explained = {a["service"] for a in kb["articles"]}
    assert SERVICES - explained == set()


def test_plan_specific_service_items_have_one_article_per_plan(kb):
    for service in SERVICES_DIFFERING_BY_PLAN:
        plans = {a["plan"] for a in kb["articles"] if a["service"] == service}
        assert {"standard", "advanced"} <= plans, f"{service}: {plans}"


def test_articles_only_attach_services_to_plans_that_offer_them(kb):
    for article in kb["articles"]:
        service, plan = article["service"], article["plan"]
        if service is None:
            continue
        if plan in ("standard", None):
            assert service in STANDARD_SERVICES, f"{article['slug']}: {service} is not a Standard item"


def test_standard_hotline_article_states_four_calls_and_fatal_faults(kb):
    hotline = next(a for a in kb["articles"] if a["slug"] == "standard-hotline")
    assert (hotline["service"], hotline["plan"]) == ("hotline", "standard")
    text = compact(hotline["title"] + hotline["body"])
    assert "4次" in text
    assert "致命故障" in text
    assert "7×24" in text
    assert HOTLINE_NUMBER in text


def test_there_are_at_least_40_product_articles_covering_every_product(kb):
    product_articles = [a for a in kb["articles"] if a["product"]]
    assert len(product_articles) >= 40
    assert {a["product"] for a in product_articles} == PRODUCTS


# ---------------------------------------------------------------------------
# faq.yaml
# ---------------------------------------------------------------------------


def test_faq_entries_are_complete_and_valid():
    entries = load("faq.yaml")["faq"]
    assert len(entries) >= 60
    assert not duplicates(e["key"] for e in entries)
    for entry in entries:
        assert entry["question"] and entry["answer"] and entry["tags"], entry["key"]
        assert entry["product"] in PRODUCTS | {None}, entry["key"]
        assert entry["service"] in SERVICES | {None}, entry["key"]


def test_faq_answers_the_hotline_quota_question():
    entries = load("faq.yaml")["faq"]
    hotline = [e for e in entries if e["service"] == "hotline" and "几次" in e["question"]]
    assert hotline and "4次" in compact(hotline[0]["answer"])


# ---------------------------------------------------------------------------
# questions.yaml
# ---------------------------------------------------------------------------


def test_community_questions_are_complete_and_valid():
    questions = load("questions.yaml")["questions"]
    assert len(questions) >= 30
    assert not duplicates(q["key"] for q in questions)
    for question in questions:
        key = question["key"]
        assert question["title"] and question["body"] and question["tags"], key
        assert question["product"] in PRODUCTS | {None}, key
        assert question["author"] in AUTHORS, key
        for answer in question["answers"]:
            assert answer["body"] and answer["author"] in AUTHORS, key
            assert isinstance(answer["accepted"], bool), key
            assert isinstance(answer["votes"], int) and answer["votes"] >= 0, key
        assert sum(a["accepted"] for a in question["answers"]) <= 1, f"{key}: several accepted answers"


def test_community_has_accepted_staff_answers_and_open_questions():
    questions = load("questions.yaml")["questions"]
    assert any(not q["answers"] for q in questions)
    assert any(any(a["accepted"] and a["author"] == "staff" for a in q["answers"]) for q in questions)


# ---------------------------------------------------------------------------
# courses.yaml
# ---------------------------------------------------------------------------


def test_courses_are_complete_and_valid():
    courses = load("courses.yaml")["courses"]
    assert len(courses) >= 10
    assert not duplicates(c["key"] for c in courses)
    assert {c["kind"] for c in courses} == COURSE_KINDS
    for course in courses:
        key = course["key"]
        assert course["title"] and course["summary"], key
        assert course["kind"] in COURSE_KINDS, key
        assert course["product"] in PRODUCTS | {None}, key
        assert 3 <= len(course["lessons"]) <= 6, key
        for lesson in course["lessons"]:
            assert lesson["title"] and lesson["body"], key


# ---------------------------------------------------------------------------
# ideas.yaml
# ---------------------------------------------------------------------------


def test_ideas_are_complete_and_valid():
    ideas = load("ideas.yaml")["ideas"]
    assert len(ideas) >= 12
    assert not duplicates(i["key"] for i in ideas)
    for idea in ideas:
        key = idea["key"]
        assert idea["title"] and idea["description"], key
        assert idea["product"] in PRODUCTS | {None}, key
        assert idea["status"] in IDEA_STATUSES, key
        assert idea["response"] is None or isinstance(idea["response"], str), key
        assert isinstance(idea["votes"], int) and idea["votes"] >= 0, key
