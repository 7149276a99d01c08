"""Text analysis: what a Chinese (or mixed) query and document become before they are matched."""

from __future__ import annotations

import threading

import pytest

from successhub.search.analysis import (
    analyze,
    normalize,
    query_terms,
    related_terms,
    stopwords,
    tokens_for_index,
)


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("星空的凭证怎么打印", "星空"),
        ("苍穹平台怎么升级", "苍穹"),
        ("星瀚人力云", "星瀚"),
        ("记账凭证录错了", "凭证"),
        ("月结要做哪些步骤", "月结"),
        ("年结之前要备份", "年结"),
        ("怎么反结账", "反结账"),
        ("合并报表抵销", "合并报表"),
        ("系统宕机了", "宕机"),
        ("预约关键时刻支持", "关键时刻"),
        ("创新广场提需求", "创新广场"),
        ("智能客服在哪", "智能客服"),
        ("用云之家建服务群", "云之家"),
        ("致命故障打热线", "致命故障"),
    ],
)
def test_product_terms_stay_whole(text, term):
    assert term in analyze(text).words


def test_long_product_term_also_yields_its_parts():
    words = analyze("合并报表").words
    assert {"合并报表", "合并", "报表"} <= set(words)


def test_full_width_letters_digits_and_punctuation_become_half_width_lower_case():
    assert normalize("ＥＡＳ　Ｃｌｏｕｄ１２３？") == "eas cloud123?"


def test_full_width_query_matches_half_width_terms():
    assert analyze("ＰＡＴＣＨ 下载").words == analyze("patch 下载").words


def test_mixed_chinese_and_english_are_both_kept():
    words = analyze("s-HR的license怎么导入").words
    assert "s-hr" in words
    assert "hr" in words
    assert "license" in words
    assert "导入" in words


def test_english_words_also_yield_the_chinese_term_documents_use():
    words = analyze("voucher打印").words
    assert {"voucher", "凭证"} <= set(words)


def test_phone_numbers_stay_whole():
    assert "4008-836-836" in analyze("热线4008-836-836").words


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [("登陆", "登录"), ("帐号", "账号"), ("口令", "密码"), ("反结帐", "反结账"), ("全电发票", "数电发票")],
)
def test_variant_spellings_are_made_canonical(variant, canonical):
    assert normalize(variant) == canonical


def test_colloquial_cannot_forms_match_the_written_form():
    assert set(analyze("登不进去").words) == set(analyze("无法登录").words)


def test_stop_words_and_question_scaffolding_are_dropped():
    words = analyze("请问我的凭证怎么办呢").words
    assert words == ("凭证",)
    assert {"怎么", "的", "请问"} <= stopwords()


def test_a_question_of_only_stop_words_has_no_terms():
    assert query_terms("怎么办呢？") == []


def test_bigrams_let_differently_segmented_text_meet():
    query = set(analyze("资产负债表不平").bigrams)
    document = set(analyze("资产负债表不平衡的原因").bigrams)
    assert {"资产", "负债", "债表"} <= query & document


def test_bigrams_skip_particles():
    assert "码的" not in analyze("密码的长度").bigrams


def test_tokens_for_index_are_whitespace_free_and_keep_repeats():
    tokens = tokens_for_index("凭证审核，凭证过账")
    assert all(token and not any(ch.isspace() for ch in token) for token in tokens)
    assert tokens.count("凭证") >= 2


def test_query_terms_are_distinct_and_match_index_tokens():
    terms = query_terms("凭证 凭证 过账")
    assert len(terms) == len(set(terms))
    assert set(terms) <= set(tokens_for_index("凭证过账"))


def test_related_terms_for_query_expansion():
    assert "结账" in related_terms("月结")
    assert related_terms("不相关的词") == ()


def test_empty_text():
    assert analyze("").words == ()
    assert tokens_for_index("") == []


def test_concurrent_first_use_is_safe():
    results: list[tuple[str, ...]] = []
    threads = [
        threading.Thread(target=lambda: results.append(analyze("星空凭证月结").words)) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1
