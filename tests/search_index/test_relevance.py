"""Search relevance on a fixed set of questions over the demo knowledge base.

Each case: a question a customer would type, and the document that answers it,
which must be among the first three results (first, where marked).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from successhub.search.selectors import search
from tests.search_index.demo_docs import key_of

CASES = [
    # (question, expected document key, must be first)
    ("标准服务的热线每年能打几次?", "hotline-standard-quota", True),
    ("凭证断号怎么处理", "q-galaxy-voucher-number-gap", True),
    ("星空结账提示损益类科目余额不为零", "q-galaxy-close-profit-loss", True),
    ("什么算致命故障", "fatal-fault-meaning", False),
    ("IM人工几点到几点", "im-hours", False),
    ("在线工单多久响应", "ticket-response-time", False),
    ("关键时刻支持每年几人天", "critical-moment-quota", False),
    ("专属服务群最多几个人", "im-group-members", False),
    ("定制开发维护第二年还有吗", "q-service-custom-dev-second-year", False),
    ("星空反结账", "galaxy-reverse-close", False),
    ("s-HR 新员工不在算薪名单", "shr-not-in-payroll", True),
    ("苍穹单据提交后没进审批流程", "cosmic-workflow-not-start", False),
    ("EAS 月底系统特别慢", "eas-slow-month-end", False),
    ("星空登陆不上去", "galaxy-login-failure", False),
    ("许可升级怎么申请", "license-upgrade-how", False),
]


@pytest.mark.parametrize(("question", "expected", "first"), CASES, ids=[c[1] for c in CASES])
def test_the_answering_document_ranks_near_the_top(demo_index, question, expected, first):
    results = search(AnonymousUser(), question, per_page=3).results
    keys = [key_of(r.kind, r.object_id) for r in results]
    if first:
        assert keys[:1] == [expected], f"{question!r} → {keys}"
    else:
        assert expected in keys, f"{question!r} → {keys}"


def test_an_unrelated_question_finds_nothing(demo_index):
    assert search(AnonymousUser(), "今天天气怎么样").total == 0
