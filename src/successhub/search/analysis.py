"""Chinese and mixed Chinese/English text analysis for search and the bot.

Pure Python (no Django). One pipeline serves both the database full-text index
and the in-memory ranker, so a query and a document are always analysed alike:

1. ``normalize``: NFKC (full-width letters, digits and punctuation become
   half-width), lower-case, and a small table of variant spellings and
   colloquial forms rewritten to one canonical phrase (登陆→登录, 帐号→账号,
   登不上→无法登录, 全电→数电 ...).
2. The text is split into runs of Chinese characters and Latin/number tokens.
3. Chinese runs are segmented by jieba in search mode (a long word also yields
   its dictionary sub-words), with the product-terms user dictionary in
   ``data/product_terms.txt`` so 星空, 凭证, 月结, 合并报表 ... stay whole.
   Latin tokens keep internal joiners (``s-hr``, ``4008-836-836``, ``v8.0``)
   and also yield their parts.
4. Stop words (``data/stopwords.txt``) are dropped and words are mapped
   through a small synonym table (password→密码, 报错→错误, 二开→二次开发).
5. Independently of segmentation, every Chinese run also yields overlapping
   character bigrams, so a query still matches a document that jieba cut
   differently (or that contains a one-character typo elsewhere).

jieba is initialised once, lazily, quietly and under a lock, in a private
``jieba.Tokenizer`` so the global jieba instance other code may use is left
untouched.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import jieba

__all__ = [
    "Analysis",
    "analyze",
    "normalize",
    "product_terms",
    "query_terms",
    "related_terms",
    "stopwords",
    "tokens_for_index",
]

# Variant spellings, common typos and colloquial "cannot do X" forms, rewritten
# in the normalised text before segmentation (applied to documents and queries
# alike, so the rewrite only has to be right about meaning, not about style).
# Longer patterns first where one contains another.
_PHRASE_VARIANTS: tuple[tuple[str, str], ...] = (
    ("登陆", "登录"),
    ("帐号", "账号"),
    ("帐户", "账户"),
    ("帐套", "账套"),
    ("帐簿", "账簿"),
    ("记帐", "记账"),
    ("结帐", "结账"),
    ("对帐", "对账"),
    ("转帐", "转账"),
    ("口令", "密码"),
    ("忘了", "忘记"),
    ("登不进去", "无法登录"),
    ("登录不进去", "无法登录"),
    ("登录不上", "无法登录"),
    ("登录不了", "无法登录"),
    ("登不上", "无法登录"),
    ("登不进", "无法登录"),
    ("登不了", "无法登录"),
    ("不能登录", "无法登录"),
    ("打不开", "无法打开"),
    ("删不掉", "无法删除"),
    ("删不了", "无法删除"),
    ("不能删除", "无法删除"),
    ("改不了", "无法修改"),
    ("不能修改", "无法修改"),
    ("结不了账", "无法结账"),
    ("用不了", "无法使用"),
    ("不能用", "无法使用"),
    ("点不了", "无法点击"),
    ("点不动", "无法点击"),
    ("连不上", "无法连接"),
    ("起不来", "无法启动"),
    ("启动不了", "无法启动"),
    ("导不进去", "无法导入"),
    ("导不进", "无法导入"),
    ("传不上去", "无法上传"),
    ("传不上", "无法上传"),
    ("收不到", "无法接收"),
    ("全电发票", "数电发票"),
    ("全电票", "数电发票"),
    ("数电票", "数电发票"),
    ("进项票", "进项发票"),
    ("销项票", "销项发票"),
    ("红冲", "红字冲销"),
    ("价格表", "价目表"),
    ("不正常", "异常"),
)

# Word-level synonyms: a token (after segmentation) -> its canonical form.
# Latin words map to the Chinese term the documents use; the Latin token is
# kept as well, since a document may use it verbatim.
_WORD_SYNONYMS: dict[str, str] = {
    # Chinese
    "报错": "错误",
    "出错": "错误",
    "错误信息": "错误",
    "死机": "宕机",
    "崩溃": "宕机",
    "挂了": "宕机",
    "卡死": "卡顿",
    "太卡": "卡顿",
    "很卡": "卡顿",
    "好卡": "卡顿",
    "二开": "二次开发",
    "提单": "工单",
    "手机号码": "手机号",
    "电话号码": "手机号",
    "引入": "导入",
    "删掉": "删除",
    "更改": "修改",
    "过期": "到期",
    "退回": "驳回",
    "打回": "驳回",
    "老板": "领导",
    "网址": "地址",
    "链接": "地址",
    # one-character colloquial verbs -> the two-character verb documents use
    "改": "修改",
    "删": "删除",
    "买": "购买",
    "装": "安装",
    "查": "查询",
    "关掉": "关闭",
    "许可证": "许可",
    "授权码": "许可",
    # English
    "password": "密码",
    "passwd": "密码",
    "pwd": "密码",
    "login": "登录",
    "logon": "登录",
    "signin": "登录",
    "logout": "退出",
    "account": "账号",
    "user": "用户",
    "users": "用户",
    "license": "许可",
    "licence": "许可",
    "lic": "许可",
    "patch": "补丁",
    "patches": "补丁",
    "hotfix": "补丁",
    "upgrade": "升级",
    "update": "更新",
    "voucher": "凭证",
    "vouchers": "凭证",
    "invoice": "发票",
    "invoices": "发票",
    "report": "报表",
    "reports": "报表",
    "ticket": "工单",
    "tickets": "工单",
    "hotline": "热线",
    "error": "错误",
    "errors": "错误",
    "admin": "管理员",
    "administrator": "管理员",
    "token": "令牌",
    "api": "接口",
    "sso": "单点登录",
    "backup": "备份",
    "database": "数据库",
    "db": "数据库",
    "server": "服务器",
    "browser": "浏览器",
    "budget": "预算",
    "salary": "工资",
    "payroll": "工资",
    "tax": "税务",
    "vat": "增值税",
    "inventory": "库存",
    "stock": "库存",
    "bank": "银行",
    "print": "打印",
    "export": "导出",
    "import": "导入",
    "permission": "权限",
    "permissions": "权限",
    "role": "角色",
    "workflow": "工作流",
    "timeout": "超时",
    "slow": "慢",
    "crash": "宕机",
    "down": "宕机",
}

# Query-time expansion: a query word also looks for these related words, at a
# reduced weight chosen by the ranker. Kept small and general on purpose.
_RELATED: dict[str, tuple[str, ...]] = {
    "月结": ("结账", "月末"),
    "年结": ("结账", "年度结账"),
    "结账": ("月结",),
    "热线": ("电话",),
    "电话": ("热线",),
    "许可": ("授权",),
    "授权": ("许可",),
    "用户名": ("账号",),
    "账号": ("用户名", "用户"),
    "卡顿": ("慢",),
    "慢": ("卡顿",),
    "教程": ("课程", "课堂", "入门"),
    "课程": ("课堂", "课件"),
    "二次开发": ("定制开发", "二开"),
    "定制开发": ("二次开发",),
    "人工客服": ("人工服务",),
    "在线客服": ("人工服务",),
    "客服电话": ("热线",),
    "宕机": ("致命故障",),
    "预约": ("申请",),
    "错误": ("失败", "异常"),
    "失败": ("错误",),
}

# Bigrams holding one of these particles carry no topic (码的, 了吗 ...).
_PARTICLES = frozenset("的了吗呢吧啊呀么哦嘛啦呗着")

_MAX_SUB_WORD = 6

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN_RE = re.compile(rf"[{_CJK}]+|[a-z0-9]+(?:[-_.+#][a-z0-9]+)*")
_CJK_RE = re.compile(rf"^[{_CJK}]+$")
_LATIN_PART_RE = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Analysis:
    """The terms of one text: segmented words and Chinese character bigrams.

    ``words`` and ``bigrams`` keep duplicates, in text order (term frequency
    matters to the ranker).
    """

    words: tuple[str, ...]
    bigrams: tuple[str, ...]


def normalize(text: str) -> str:
    """Half-width, lower-case text with variant spellings made canonical."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    for variant, canonical in _PHRASE_VARIANTS:
        if variant in text:
            text = text.replace(variant, canonical)
    return text


def analyze(text: str) -> Analysis:
    """Segment ``text`` into words (stop words removed, synonyms mapped) and bigrams."""
    stop = stopwords()
    tokenizer = _tokenizer()
    words: list[str] = []
    bigrams: list[str] = []
    for match in _RUN_RE.finditer(normalize(text)):
        run = match.group()
        if _CJK_RE.match(run):
            _analyze_chinese(run, tokenizer, stop, words, bigrams)
            continue
        for token in _latin_tokens(run):
            words.append(token)
            bigrams.append(token)
            mapped = _WORD_SYNONYMS.get(token)
            if mapped:
                words.append(mapped)
                bigrams.extend(_bigrams(mapped))
    return Analysis(words=tuple(words), bigrams=tuple(bigrams))


def _analyze_chinese(
    run: str, tokenizer: jieba.Tokenizer, stop: frozenset[str], words: list[str], bigrams: list[str]
) -> None:
    # Bigrams are taken within the stretches between stop words, so question
    # scaffolding (怎么, 咋办) adds no bigram noise such as 录咋 or 证怎.
    stretch: list[str] = []
    for word in _segment(run, tokenizer.FREQ, math.log(tokenizer.total)):
        if word in stop:
            bigrams.extend(_bigrams("".join(stretch)))
            stretch.clear()
            continue
        stretch.append(word)
        words.extend(_sub_words(word, tokenizer))
        words.append(_WORD_SYNONYMS.get(word, word))
    bigrams.extend(_bigrams("".join(stretch)))


def _segment(run: str, freq: dict[str, int], log_total: float) -> list[str]:
    """jieba's dictionary-only segmentation (``cut(run, HMM=False)``) of a Chinese run.

    The same maximum-probability route over the prefix dictionary, with the
    same tie-breaking (the longer word wins), written as a flat loop: about
    three times faster than jieba's generator pipeline, which matters when a
    corpus of thousands of documents is indexed. No HMM: a word the
    dictionary does not know falls apart into characters, identically in
    queries and documents, and the bigram channel still matches it.
    """
    size = len(run)
    best_logp = [0.0] * (size + 1)
    best_end = [0] * (size + 1)
    for start in range(size - 1, -1, -1):
        logp_here: float | None = None
        end_here = start + 1
        end = start + 1
        fragment = run[start]
        while True:
            count = freq.get(fragment)
            if count is None:  # not even a prefix of a dictionary word
                break
            if count:
                logp = math.log(count) - log_total + best_logp[end]
                if logp_here is None or logp >= logp_here:
                    logp_here, end_here = logp, end
            if end >= size:
                break
            end += 1
            fragment = run[start:end]
        if logp_here is None:
            logp_here = -log_total + best_logp[start + 1]
        best_logp[start] = logp_here
        best_end[start] = end_here
    words = []
    start = 0
    while start < size:
        end = best_end[start]
        words.append(run[start:end])
        start = end
    return words


def _sub_words(word: str, tokenizer: jieba.Tokenizer) -> list[str]:
    # Like jieba's search mode, the dictionary words inside a long word
    # (合并报表 -> 合并, 报表; 关键时刻支持 -> 关键时刻), so a query for the
    # part finds the whole.
    found = []
    for size in range(2, min(len(word), _MAX_SUB_WORD + 1)):
        for i in range(len(word) - size + 1):
            gram = word[i : i + size]
            if tokenizer.FREQ.get(gram):
                found.append(gram)
    return found


def tokens_for_index(text: str) -> list[str]:
    """Terms to store for the database full-text index (join with spaces).

    Words first, then character bigrams; a term may repeat (term frequency).
    Every term is free of whitespace and punctuation, so the database's own
    simple tokenizer (FTS5 ``unicode61``, PostgreSQL ``simple``) keeps it whole.
    """
    analysis = analyze(text)
    return [*analysis.words, *analysis.bigrams]


def query_terms(text: str) -> list[str]:
    """Distinct terms of a search query, to be OR-ed against ``tokens_for_index``."""
    analysis = analyze(text)
    return list(dict.fromkeys([*analysis.words, *analysis.bigrams]))


def related_terms(word: str) -> tuple[str, ...]:
    """Words related to ``word`` (canonical form) for query expansion."""
    return _RELATED.get(word, ())


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """The stop-word list, normalised."""
    lines = _data_lines("stopwords.txt")
    return frozenset(unicodedata.normalize("NFKC", line).lower() for line in lines)


@lru_cache(maxsize=1)
def product_terms() -> tuple[tuple[str, int | None, str | None], ...]:
    """``(word, freq, tag)`` entries of the product-terms user dictionary."""
    entries = []
    for line in _data_lines("product_terms.txt"):
        parts = line.rsplit(maxsplit=2)
        word, freq, tag = line, None, None
        if len(parts) == 3 and parts[1].isdigit():
            word, freq, tag = parts[0], int(parts[1]), parts[2]
        elif len(parts) >= 2 and parts[-1].isdigit():
            word, freq = line.rsplit(maxsplit=1)[0], int(parts[-1])
        entries.append((word, freq, tag))
    return tuple(entries)


def _bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [] if run in _PARTICLES else [run]
    pairs = [run[i : i + 2] for i in range(len(run) - 1)]
    if _PARTICLES.isdisjoint(run):
        return pairs
    return [pair for pair in pairs if pair[0] not in _PARTICLES and pair[1] not in _PARTICLES]


def _latin_tokens(token: str) -> list[str]:
    parts = _LATIN_PART_RE.findall(token)
    if len(parts) == 1:
        return [token]
    # "s-hr" is kept whole and also as its meaningful parts ("hr").
    return [token, *(part for part in parts if len(part) > 1 or part.isdigit())]


def _data_lines(name: str) -> list[str]:
    text = resources.files("successhub.search").joinpath("data", name).read_text(encoding="utf-8")
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


_init_lock = threading.Lock()
_instance: jieba.Tokenizer | None = None


def _tokenizer() -> jieba.Tokenizer:
    global _instance
    if _instance is not None:
        return _instance
    with _init_lock:
        if _instance is None:
            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            for word, freq, tag in product_terms():
                # Latin terms never reach jieba (the Latin tokenizer keeps them).
                if _CJK_RE.match(word):
                    tokenizer.add_word(word, freq, tag)
            _instance = tokenizer
    return _instance
