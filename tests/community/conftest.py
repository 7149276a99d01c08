"""Community test set-up: a Standard and an Advanced customer, their users, and staff."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.cache import cache

from successhub.accounts.models import Organisation, Role, User
from successhub.community.models import Answer, Question


@pytest.fixture(autouse=True)
def _fresh_rate_limit_counters():
    cache.clear()
    yield
    cache.clear()


@dataclass
class People:
    advanced_org: Organisation
    standard_org: Organisation
    customer: User  # verified, Advanced organisation
    colleague: User  # verified, same Advanced organisation
    standard_customer: User  # verified, Standard organisation
    unverified: User  # Advanced organisation, never verified
    engineer: User  # support engineer (staff)


@pytest.fixture
def people(make_org, make_user, add_contract, add_deployment) -> People:
    advanced = make_org(name="高级客户")
    add_deployment(advanced, "galaxy", "private_cloud_subscription")
    add_contract(advanced, plan="advanced")
    standard = make_org(name="标准客户")
    add_deployment(standard, "cosmic", "public_cloud")
    add_contract(standard, plan="standard", amount="0")
    return People(
        advanced_org=advanced,
        standard_org=standard,
        customer=make_user(advanced, display_name="高级客户 张三"),
        colleague=make_user(advanced, display_name="高级客户 李四"),
        standard_customer=make_user(standard, display_name="标准客户 王五"),
        unverified=make_user(advanced, verified=False, display_name="未认证 赵六"),
        engineer=make_user(role=Role.SUPPORT_ENGINEER, display_name="工程师 钱七"),
    )


@pytest.fixture
def make_question(db):
    counter = {"n": 0}

    def make(author, title=None, body="问题描述", organisation=None, answers=(), **extra) -> Question:
        counter["n"] += 1
        question = Question.objects.create(
            title=title or f"测试问题{counter['n']}",
            body=body,
            author=author,
            organisation=organisation,
            **extra,
        )
        for answer_author, answer_body in answers:
            Answer.objects.create(question=question, author=answer_author, body=answer_body)
        question.answer_count = len(answers)
        question.save()
        return question

    return make
