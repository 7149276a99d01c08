"""The bot's ranker: which answer a customer's question finds, and when the bot should say it does not know."""

from __future__ import annotations

import pytest

from successhub.search.ranking import CONFIDENCE_THRESHOLD, BM25Baseline, Document, Hit, Index, is_confident

CORPUS = [
    ("pwd-reset", "忘记密码怎么办？在登录页点击“忘记密码”，通过手机验证码重置密码。"),
    ("pwd-change", "如何修改登录密码？登录后在个人设置中修改密码，新密码不少于8位。"),
    ("account-locked", "账号被锁定：连续输错5次密码账号会被锁定，管理员可以在用户管理中解锁。"),
    ("voucher-edit", "审核过的凭证如何修改？先由审核人反审核，反审核后制单人才能修改凭证。"),
    ("voucher-gap", "凭证号不连续（断号）：使用凭证整理功能重新编号。"),
    ("voucher-print", "凭证打印格式：在凭证查询中点击套打设置，选择A4或凭证专用纸。"),
    ("month-close", "月末结账的步骤：凭证审核过账，结转损益，业务模块先结账，最后总账结账。"),
    ("unclose", "如何反结账？在期末处理中选择反结账，返回上一个期间。"),
    ("balance-sheet", "资产负债表不平衡：检查未过账凭证、损益是否结转、报表公式是否完整。"),
    ("patch-download", "补丁在哪里下载？登录金蝶云社区进入补丁下载，按产品和版本号筛选。"),
    ("license-import", "许可文件如何导入？在管理中心的许可管理中上传许可文件，重启服务生效。"),
    ("hotline", "服务热线电话4008-836-836，7×24小时服务。"),
    ("ticket-submit", "如何提交在线工单？通过产品端在线服务入口、热线或工单系统提交。"),
    ("im-hours", "IM人工服务时间为7×8小时，周一至周日8:30-12:00和13:00-17:30。"),
    ("critical-moment", "关键时刻支持：月结、年结、上线期间由专家护航，每年不超过2人天。"),
]


@pytest.fixture(scope="module")
def index() -> Index:
    return Index.build(CORPUS)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("密码忘了登不进去咋办", "pwd-reset"),
        ("怎么改登陆口令", "pwd-change"),
        ("帐号被锁住了", "account-locked"),
        ("已经审核的凭证要改金额", "voucher-edit"),
        ("凭证断号了", "voucher-gap"),
        ("凭证想用A4纸打印", "voucher-print"),
        ("月结要做哪些步骤", "month-close"),
        ("反结帐", "unclose"),
        ("资产负债表左右不平", "balance-sheet"),
        ("在哪下载patch", "patch-download"),
        ("license怎么导入", "license-import"),
        ("客服电话多少", "hotline"),
        ("怎么提工单", "ticket-submit"),
        ("IM人工客服几点上班", "im-hours"),
        ("年结的时候能派专家来吗", "critical-moment"),
        ("ＰＡＴＣＨ去哪下", "patch-download"),
    ],
)
def test_question_finds_its_answer_first(index, question, expected):
    hits = index.search(question)
    assert hits and hits[0].doc_id == expected, [hit.doc_id for hit in hits]


@pytest.mark.parametrize(
    "question", ["今天天气怎么样", "怎么做红烧肉", "推荐一部好看的电影", "how to cook pasta"]
)
def test_unrelated_question_is_not_confident(index, question):
    hits = index.search(question)
    assert not is_confident(hits), hits


def test_answerable_question_is_confident(index):
    hits = index.search("补丁在哪里下载")
    assert is_confident(hits)
    assert hits[0].score >= CONFIDENCE_THRESHOLD


def test_scores_are_between_zero_and_one_best_first(index):
    hits = index.search("凭证审核修改", top=10)
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < score <= 1 for score in scores)


def test_top_limits_the_number_of_hits(index):
    assert len(index.search("凭证", top=2)) == 2
    assert index.search("凭证", top=0) == []


def test_only_documents_sharing_a_term_are_returned(index):
    assert index.search("红烧肉") == []
    assert index.search("") == []


def test_title_is_weighted_above_body():
    index = Index.build(
        [
            Document("body-only", "这里顺带提到发票，但主要讲报表打印。"),
            Document("titled", "开具前请核对客户信息。", title="发票开具"),
        ]
    )
    assert index.search("发票")[0].doc_id == "titled"


def test_ids_keep_their_type():
    index = Index.build([(7, "凭证打印"), ("7", "补丁下载")])
    assert index.search("凭证打印")[0] == Hit(7, index.search("凭证打印")[0].score)
    assert index.search("补丁")[0].doc_id == "7"


def test_same_input_same_ranking(index):
    assert index.search("凭证") == index.search("凭证")


def test_empty_index():
    assert Index.build([]).search("凭证") == []


def test_a_large_index_still_finds_the_right_document():
    # Speed is measured by bench/assistant.py, never asserted here.
    docs = [(f"{doc_id}-{copy}", f"{text}（第{copy}版）") for copy in range(50) for doc_id, text in CORPUS]
    index = Index.build(docs)
    hits = index.search("审核过的凭证怎么修改", top=5)
    assert all(hit.doc_id.rsplit("-", 1)[0] == "voucher-edit" for hit in hits)


def test_baseline_is_plain_bm25():
    baseline = BM25Baseline.build(CORPUS)
    hits = baseline.search("补丁下载")
    assert hits[0].doc_id == "patch-download"
    assert hits[0].score > 1  # raw BM25, not normalised
