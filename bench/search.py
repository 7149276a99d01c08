"""Search benchmark: 100,000 generated Chinese articles on SQLite (FTS5) and PostgreSQL (tsvector + GIN).

    .venv/bin/python bench/search.py [--docs 100000] [--backends sqlite,postgres] [--jobs 2]

The corpus. Articles are written in a realistic vocabulary: the top 60,000 words of jieba's own
dictionary (person names left out), drawn with probability proportional to their corpus frequency
(Zipf-like: a few words everywhere, most words rare), mixed at ``DOMAIN_RATE`` with the ERP terms
below and the product dictionary (``search/data/product_terms.txt``). A sentence is 15-40 words in
clauses of 4-12 words; an article has a title (a topic: product or module, action, problem, plus
some general words) and 5-20 sentences, the first opening on its topic. Everything is seeded.

Indexing. Segmenting 100,000 whole articles (~35 million characters) would take many minutes on a
shared 2-core machine, so the body is composed from a pool of clauses segmented once, and each
title is segmented on its own. Clauses are joined by punctuation, which ends a run for the
analyser, so an article's composed tokens are exactly what ``tokens_for_index`` gives for the
whole body (checked on a sample; that sample also measures whole-article segmentation). The rows
are written through ``SearchDocument.objects.bulk_create`` so the migration's triggers build the
full-text index as in production; the count is checked.

Queries, through ``successhub.search.selectors.search`` as a visitor (ranking, paging count,
snippets): a fixed set of customer questions, and queries sampled from the corpus (2-4 words of a
public article's title or of one of its sentences: what a user looking for that article types).
For the sampled ones the bench also reports how often that article is on the first page. Printed:
indexing throughput, and p50/p95 per query set and overall, in wall-clock time and in CPU time (this
process's, plus the PostgreSQL backend's when the server is local: less sensitive to a busy machine),
with the load average. Target: p95 <= 50 ms.

PostgreSQL: ``DATABASE_URL`` if it points at PostgreSQL, else a ``successhub_search_bench`` database on
postgres://postgres@127.0.0.1:5432, dropped and created afresh.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import os
import pickle
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from array import array
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = 20250701
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/successhub_search_bench"  # not successhub_bench: other benches' database
TARGET_P95_MS = 50.0
PER_PAGE = 20

VOCABULARY_SIZE = 60_000
# jieba's person names (nr, nrt, nrfg) and non-words (x) are not knowledge-base vocabulary.
SKIPPED_POS = {"nr", "nrt", "nrfg", "x"}
DOMAIN_RATE = 0.08  # share of body words that are ERP / product terms
CLAUSE_POOL = 200_000  # per 100,000 articles: each clause recurs in ~20 articles
CLAUSE_WORDS = (4, 12)
SENTENCE_WORDS = (15, 40)
ARTICLE_SENTENCES = (5, 20)
SAMPLED_QUERIES = 60
LIVE_ROWS = 5_000
LOAD_BATCH = 2_000

PRODUCTS = ["galaxy", "cosmic", "constellation", "eas_cloud", "s_hr"]
SUBJECTS = [
    "星空",
    "苍穹",
    "星瀚",
    "EAS Cloud",
    "s-HR",
    "总账",
    "应收应付",
    "存货核算",
    "固定资产",
    "合并报表",
    "薪酬核算",
    "个税",
    "考勤",
    "工作流",
    "数电发票",
    "预算",
    "费用报销",
    "出纳",
    "资金",
    "供应链",
    "采购订单",
    "销售出库",
    "库存",
    "成本计算",
    "凭证",
    "科目余额表",
    "现金流量表",
    "权限",
    "用户",
    "许可",
]
ACTIONS = [
    "结账",
    "反结账",
    "过账",
    "审核",
    "导入",
    "导出",
    "打印",
    "升级",
    "安装补丁",
    "计提折旧",
    "结转损益",
    "期末调汇",
    "核销",
    "重新计算",
    "同步",
    "配置",
    "授权",
    "备份",
    "还原",
    "发布",
]
PROBLEMS = [
    "提示错误",
    "报错",
    "很慢",
    "卡顿",
    "数据不一致",
    "金额为负数",
    "无法登录",
    "无法保存",
    "找不到菜单",
    "取数为零",
    "余额不为零",
    "断号",
    "重复",
    "超时",
    "闪退",
    "没有权限",
    "格式不对",
    "缺少字段",
]
DETAILS = [
    "参数设置",
    "业务日期",
    "会计期间",
    "核算维度",
    "组织范围",
    "数据库统计信息",
    "应用服务器内存",
    "单据类型",
    "审批流程",
    "打印模板",
    "辅助资料",
    "汇率类型",
    "成本域",
    "折旧方法",
    "科目属性",
    "权限角色",
    "补丁版本",
    "许可文件",
    "服务进程",
    "日志目录",
]
TITLE_ENDINGS = ["怎么处理", "如何解决", "的原因", "的处理方法", "", "？", "怎么办", "说明"]

# What customers type (fixed, to compare runs).
QUERIES = [
    "星空结账报错",
    "凭证断号",
    "合并报表取数为零",
    "存货核算金额为负数",
    "工作流审批",
    "数电发票导出",
    "s-HR 个税",
    "固定资产计提折旧很慢",
    "无法登录",
    "许可升级",
    "科目余额表余额不为零",
    "期末调汇",
    "苍穹 权限",
    "考勤 超时",
    "采购订单 审核 报错",
    "EAS Cloud 补丁",
    "预算",
    "出纳 核销 数据不一致",
    "成本计算卡顿",
    "打印模板格式不对",
]

_CJK_WORD = re.compile(r"[\u4e00-\u9fff]+")


# --- the corpus ------------------------------------------------------------------------------


class Lexicon:
    """General words (frequency-weighted) and domain terms, sampled with one seeded RNG."""

    def __init__(self, size: int):
        import jieba

        from successhub.search.analysis import product_terms

        entries = []
        for line in (Path(jieba.__file__).parent / "dict.txt").read_text(encoding="utf-8").splitlines():
            word, freq, pos = line.split(" ")
            if pos not in SKIPPED_POS and _CJK_WORD.fullmatch(word):
                entries.append((int(freq), word))
        entries.sort(key=lambda e: (-e[0], e[1]))
        entries = entries[:size]
        self.words = [word for _, word in entries]
        self.cumulative = list(itertools.accumulate(freq for freq, _ in entries))
        # The bench's ERP terms weigh 4, each product-dictionary term 1: the core vocabulary of a
        # Kingdee knowledge base recurs far more often than the long tail of product names.
        core = [*SUBJECTS, *ACTIONS, *PROBLEMS, *DETAILS]
        extra = [word for word, _freq, _tag in product_terms() if word not in core]
        self.domain = core + extra
        self.domain_cumulative = list(itertools.accumulate([4] * len(core) + [1] * len(extra)))

    def word(self, rng: random.Random) -> str:
        if rng.random() < DOMAIN_RATE:
            return self.domain[
                bisect.bisect(self.domain_cumulative, rng.random() * self.domain_cumulative[-1])
            ]
        return self.words[bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])]

    def general_word(self, rng: random.Random, min_length: int = 2) -> str:
        while True:
            word = self.words[bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])]
            if len(word) >= min_length:
                return word


@dataclass
class Corpus:
    """Segmented pieces and, per article, which pieces it is made of (compact: 100,000 articles)."""

    clauses: list[str] = field(default_factory=list)  # text
    clause_words: list[tuple[str, ...]] = field(default_factory=list)  # the words drawn (for queries)
    clause_terms: list[tuple[str, str]] = field(default_factory=list)  # analysed: (words, bigrams)
    titles: list[str] = field(default_factory=list)
    title_words: list[tuple[str, ...]] = field(default_factory=list)
    title_terms: list[tuple[str, str]] = field(default_factory=list)
    # Per article: product index, organisation (0 = public), then clause ids with -1 ending each sentence.
    articles: list[array] = field(default_factory=list)
    segment_seconds: float = 0.0

    def row(self, n: int) -> dict:
        recipe = self.articles[n]
        sentences, current = [], []
        for clause in recipe[2:]:
            if clause < 0:
                sentences.append("，".join(self.clauses[c] for c in current) + "。")
                current = []
            else:
                current.append(clause)
        clause_ids = [c for c in recipe[2:] if c >= 0]
        body_words = " ".join(self.clause_terms[c][0] for c in clause_ids if self.clause_terms[c][0])
        body_bigrams = " ".join(self.clause_terms[c][1] for c in clause_ids if self.clause_terms[c][1])
        title_words, title_bigrams = self.title_terms[n]
        return {
            "kind": "article",
            "object_id": n + 1,
            "title": self.titles[n],
            "body": "".join(sentences),
            "url": f"/kb/bench-{n + 1}/",
            "product": PRODUCTS[recipe[0]],
            "organisation_id": recipe[1] or None,
            "title_tokens": " ".join(t for t in (title_words, title_bigrams) if t),
            "tokens": " ".join(t for t in (body_words, body_bigrams) if t),
        }

    def sentences_of(self, n: int) -> list[list[int]]:
        out, current = [], []
        for clause in self.articles[n][2:]:
            if clause < 0:
                out.append(current)
                current = []
            else:
                current.append(clause)
        return out


def _analyse(texts: list[str]) -> list[tuple[str, str]]:
    from successhub.search.analysis import analyze

    out = []
    for text in texts:
        analysis = analyze(text)
        out.append((" ".join(analysis.words), " ".join(analysis.bigrams)))
    return out


def analyse_all(texts: list[str], jobs: int) -> list[tuple[str, str]]:
    size = max(1, min(5000, len(texts) // (jobs * 4) or 1))
    chunks = [texts[i : i + size] for i in range(0, len(texts), size)]
    if jobs <= 1:
        return [t for chunk in chunks for t in _analyse(chunk)]
    with ProcessPoolExecutor(jobs) as pool:
        return [t for terms in pool.map(_analyse, chunks) for t in terms]


def generate(count: int, jobs: int) -> Corpus:
    rng = random.Random(SEED)
    pool_size = max(2000, CLAUSE_POOL * count // 100_000)  # the same reuse of clauses at any size
    lexicon = Lexicon(VOCABULARY_SIZE)
    corpus = Corpus()
    clause_index: dict[str, int] = {}

    def add_clause(words: tuple[str, ...]) -> int:
        text = "".join(words)
        if text not in clause_index:
            clause_index[text] = len(corpus.clauses)
            corpus.clauses.append(text)
            corpus.clause_words.append(words)
        return clause_index[text]

    for _ in range(pool_size):
        add_clause(tuple(lexicon.word(rng) for _ in range(rng.randint(*CLAUSE_WORDS))))
    general = len(corpus.clauses)
    for _ in range(count):
        subject, action, problem = rng.choice(SUBJECTS), rng.choice(ACTIONS), rng.choice(PROBLEMS)
        title = [subject, action]
        title += [rng.choice(DETAILS) for _ in range(rng.randint(0, 1))]
        title += [lexicon.general_word(rng) for _ in range(rng.randint(1, 3))]
        title += [problem, rng.choice(TITLE_ENDINGS)]
        corpus.title_words.append(tuple(w for w in title if w))
        corpus.titles.append("".join(title))
        # The body opens on the topic ("星空结账时会计期间报错"), then runs on in general clauses.
        opening = add_clause((subject, action, "时", rng.choice(DETAILS), problem))
        recipe = array("i", [rng.randrange(len(PRODUCTS)), 0 if rng.random() < 0.9 else rng.randint(1, 50)])
        for s in range(rng.randint(*ARTICLE_SENTENCES)):
            length = rng.randint(*SENTENCE_WORDS)
            words = 0
            if s == 0:
                recipe.append(opening)
                words = 5
            while words < length:
                clause = rng.randrange(general)
                recipe.append(clause)
                words += len(corpus.clause_words[clause])
            recipe.append(-1)
        corpus.articles.append(recipe)
    started = time.perf_counter()
    terms = analyse_all(corpus.clauses + corpus.titles, jobs)
    corpus.clause_terms, corpus.title_terms = terms[: len(corpus.clauses)], terms[len(corpus.clauses) :]
    corpus.segment_seconds = time.perf_counter() - started
    return corpus


def check_and_time_segmentation(corpus: Corpus, sample: int) -> float:
    """Whole articles segmented per second in one process (as ``document_fields`` does); checks that
    the composed tokens are the tokens of the whole text."""
    from successhub.search.analysis import tokens_for_index

    tokens_for_index("预热")
    rows = [corpus.row(n) for n in range(min(sample, len(corpus.articles)))]
    started = time.perf_counter()
    tokens = [(" ".join(tokens_for_index(r["title"])), " ".join(tokens_for_index(r["body"]))) for r in rows]
    rate = len(rows) / (time.perf_counter() - started)
    for row, (title_tokens, body_tokens) in zip(rows, tokens, strict=True):
        if (row["title_tokens"], row["tokens"]) != (title_tokens, body_tokens):
            raise AssertionError(f"composed tokens differ from the analyser's for article {row['object_id']}")
    return rate


def sample_queries(corpus: Corpus, count: int) -> list[tuple[str, int]]:
    """(query, object id of the article it was taken from): 2-4 content words of a public article's
    title or of one of its sentences, in order, typed without spaces or (sometimes) with them."""
    from successhub.search.analysis import stopwords

    stop = stopwords()
    rng = random.Random(SEED + 1)
    queries = []
    while len(queries) < count:
        n = rng.randrange(len(corpus.articles))
        if corpus.articles[n][1]:  # private: a visitor would not find it
            continue
        if rng.random() < 0.4:
            words = corpus.title_words[n]
        else:
            sentence = rng.choice(corpus.sentences_of(n))
            words = tuple(w for c in sentence for w in corpus.clause_words[c])
        content = [w for w in words if len(w) >= 2 and w.lower() not in stop]
        size = rng.randint(2, 4)
        if len(content) < size:
            continue
        start = rng.randrange(len(content) - size + 1)
        picked = content[start : start + size]
        queries.append(((" " if rng.random() < 0.3 else "").join(picked), n + 1))
    return queries


# --- one backend, in a child process (Django is configured once per process) ----------------


def run_backend(corpus_path: str, repeats: int, load: bool) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "successhub.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from successhub.search.models import SearchDocument
    from successhub.search.selectors import search

    with open(corpus_path, "rb") as handle:
        corpus: Corpus = pickle.load(handle)
        sampled = pickle.load(handle)
    count = len(corpus.articles)
    call_command("migrate", verbosity=0)
    timing = None
    if load or SearchDocument.objects.count() != count:
        SearchDocument.objects.all().delete()
        timing = load_rows(corpus, connection)
    indexed = _fulltext_count(connection)
    if indexed != count:
        raise AssertionError(f"{indexed} documents in the full-text index, expected {count}")

    class Visitor:
        is_authenticated = False

    visitor = Visitor()
    for query in QUERIES[:3]:
        search(visitor, query)  # warm up (jieba, connection, caches)
    sets = {"fixed": [(q, None) for q in QUERIES], "sampled": sampled}
    timings: dict[str, list[float]] = {name: [] for name in sets}
    cpu: dict[str, list[float]] = {name: [] for name in sets}
    totals: dict[str, list[int]] = {name: [] for name in sets}
    server = _server_process(connection)
    found = 0
    for round_ in range(repeats):
        for name, queries in sets.items():
            for query, source in queries:
                t, c, s = time.perf_counter(), time.process_time(), _cpu_seconds(server)
                page = search(visitor, query, per_page=PER_PAGE)
                timings[name].append((time.perf_counter() - t) * 1000)
                cpu[name].append((time.process_time() - c + _cpu_seconds(server) - s) * 1000)
                if round_ == 0:
                    totals[name].append(page.total)
                    found += source is not None and any(r.object_id == source for r in page.results)
    return {
        "vendor": connection.vendor,
        "docs": indexed,
        "load": timing,
        "timings": timings,
        "cpu": cpu,
        "server_cpu": server is not None,
        "load_average": os.getloadavg(),
        "totals": totals,
        "sampled_found": found,
    }


def _server_process(connection) -> Path | None:
    """The PostgreSQL backend serving this connection, when its CPU time can be read (a local server)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        path = Path(f"/proc/{cursor.fetchone()[0]}/schedstat")
    try:
        path.read_text()
    except OSError:
        return None
    return path


def _cpu_seconds(schedstat: Path | None) -> float:
    # The first field of /proc/PID/schedstat is the time the process has run on a CPU, in nanoseconds.
    return int(schedstat.read_text().split()[0]) / 1e9 if schedstat else 0.0


def load_rows(corpus: Corpus, connection) -> dict:
    """Write every article through ``bulk_create`` (the triggers fill FTS5 / the tsvector).

    The first ``LIVE_ROWS`` go into the index as it is in production (``live`` docs/s: what editing
    and ``successhub reindex`` see). On PostgreSQL the rest is a bulk load: the GIN indexes are dropped
    and rebuilt afterwards with the migrations' own statements, the usual way to load a large table.
    """
    from importlib import import_module

    from django.db import transaction

    from successhub.search.models import SearchDocument

    def insert(first: int, last: int) -> float:
        seconds = 0.0
        for start in range(first, last, LOAD_BATCH):
            rows = [SearchDocument(**corpus.row(n)) for n in range(start, min(last, start + LOAD_BATCH))]
            started = time.perf_counter()
            with transaction.atomic():
                SearchDocument.objects.bulk_create(rows)
            seconds += time.perf_counter() - started
        return seconds

    count = len(corpus.articles)
    live = min(LIVE_ROWS, count)
    timing = {"live_docs": live, "live_seconds": insert(0, live), "bulk_docs": count - live}
    postgres = connection.vendor == "postgresql"
    # The GIN indexes, each with its migration's own statement (whole documents, titles).
    gin_indexes = {
        "search_document_tsv_gin": import_module(
            "successhub.search.migrations.0002_fulltext"
        ).POSTGRES_FORWARD[-1],
        "search_document_title_tsv_gin": import_module(
            "successhub.search.migrations.0003_title_index"
        ).POSTGRES_FORWARD[-1],
    }
    with connection.cursor() as cursor:
        started = time.perf_counter()
        if postgres:
            for name in gin_indexes:
                cursor.execute(f"DROP INDEX {name}")
        bulk = insert(live, count)
        started_index = time.perf_counter()
        if postgres:
            cursor.execute("SET maintenance_work_mem = '256MB'")
            for create_gin in gin_indexes.values():
                cursor.execute(create_gin)
            cursor.execute("RESET maintenance_work_mem")
            cursor.execute("VACUUM ANALYZE search_searchdocument")
        else:
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
            cursor.execute("INSERT INTO search_title_fts(search_title_fts) VALUES ('optimize')")
            cursor.execute("ANALYZE")
        timing["index_seconds"] = time.perf_counter() - started_index
        timing["bulk_seconds"] = bulk + timing["index_seconds"]
        timing["wall_seconds"] = time.perf_counter() - started + timing["live_seconds"]
    return timing


def _fulltext_count(connection) -> int:
    sql = {
        "postgresql": "SELECT count(*) FROM search_searchdocument WHERE tsv IS NOT NULL",
        "sqlite": "SELECT count(*) FROM search_fts_docsize",
    }[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def _postgres_url(load: bool) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url
    if load:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS successhub_search_bench")
            conn.execute("CREATE DATABASE successhub_search_bench")
    return PG_DEFAULT


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) > 1 else values[0]


def report(backend: str, result: dict, segment_rate: float, jobs: int, sampled: int) -> None:
    load = result["load"]
    if load is None:
        print(f"{backend:9} {result['docs']:,} documents (already loaded: indexing not measured)")
    else:
        live_rate = load["live_docs"] / load["live_seconds"]
        bulk_rate = load["bulk_docs"] / load["bulk_seconds"] if load["bulk_docs"] else live_rate
        with_segmentation = 1 / (1 / live_rate + 1 / (segment_rate * jobs))
        print(
            f"{backend:9} {result['docs']:,} documents indexed in {load['wall_seconds']:.0f}s. Insert into the "
            f"live index {live_rate:,.0f} docs/s (first {load['live_docs']:,}; with segmentation in {jobs} "
            f"processes {with_segmentation:,.0f} docs/s); bulk load {bulk_rate:,.0f} docs/s "
            f"(incl. {load['index_seconds']:.0f}s {'GIN builds' if backend == 'postgres' else 'FTS5 optimize'})"
        )
    everything = [t for values in result["timings"].values() for t in values]
    all_cpu = [t for values in result["cpu"].values() for t in values]
    for name, values in [*result["timings"].items(), ("overall", everything)]:
        totals = result["totals"].get(name) or [t for v in result["totals"].values() for t in v]
        cpu = result["cpu"].get(name) or all_cpu
        print(
            f"{'':9} {name:8} p50 {statistics.median(values):6.1f} ms  p95 {_p95(values):6.1f} ms  "
            f"max {max(values):6.1f} ms  (CPU p50 {statistics.median(cpu):5.1f} p95 {_p95(cpu):5.1f} ms; "
            f"{len(values)} runs; median total {statistics.median(totals):,.0f})"
        )
    whose = "this process and its PostgreSQL backend" if result["server_cpu"] else "this process"
    if backend == "postgres" and not result["server_cpu"]:
        whose += "; the server's is not readable here"
    print(
        f"{'':9} CPU: time on a CPU per query ({whose}); load average "
        + " / ".join(f"{value:.2f}" for value in result["load_average"])
    )
    p95 = _p95(everything)
    verdict = "OK" if p95 <= TARGET_P95_MS else "ABOVE TARGET"
    print(f"{'':9} sampled queries finding their article on page 1: {result['sampled_found']}/{sampled}")
    print(f"{'':9} [{verdict}: overall p95 {p95:.1f} ms, target <= {TARGET_P95_MS:.0f} ms]")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--jobs", type=int, default=2, help="processes for segmentation")
    parser.add_argument("--repeats", type=int, default=3, help="rounds over the query sets")
    parser.add_argument("--sample", type=int, default=300, help="articles for the segmentation measurement")
    parser.add_argument(
        "--keep",
        help="directory keeping the corpus and the SQLite database between runs; "
        "with --no-load, the queries run against what a previous run loaded",
    )
    parser.add_argument("--no-load", action="store_true", help="reuse the loaded databases (see --keep)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(run_backend(args.corpus, args.repeats, not args.no_load)))
        return 0

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="successhub-bench-") as tmp:
        workdir = Path(args.keep or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        corpus_path = workdir / f"corpus-{args.docs}.pickle"
        if args.keep and corpus_path.exists():
            with open(corpus_path, "rb") as handle:
                corpus = pickle.load(handle)
                sampled = pickle.load(handle)
            print(f"corpus of {len(corpus.articles):,} articles read from {corpus_path}")
        else:
            corpus = generate(args.docs, args.jobs)
            sampled = sample_queries(corpus, SAMPLED_QUERIES)
            with open(corpus_path, "wb") as handle:
                pickle.dump(corpus, handle, protocol=pickle.HIGHEST_PROTOCOL)
                pickle.dump(sampled, handle, protocol=pickle.HIGHEST_PROTOCOL)
            print(
                f"generated {len(corpus.articles):,} articles from {len(corpus.clauses):,} clauses "
                f"(pieces segmented in {corpus.segment_seconds:.1f}s with {args.jobs} processes)"
            )
        segment_rate = check_and_time_segmentation(corpus, args.sample)
        chars = sum(len(corpus.row(n)["body"]) for n in range(min(1000, args.docs))) / min(1000, args.docs)
        print(
            f"whole articles (~{chars:,.0f} characters of body): segmented at {segment_rate:,.0f} docs/s per "
            f"process (sample of {args.sample:,}; composed tokens identical)"
        )
        print("sampled queries, e.g.: " + " / ".join(q for q, _ in sampled[:8]))
        for backend in args.backends.split(","):
            env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
            if backend == "sqlite":
                database = workdir / "bench.sqlite3"
                if not args.no_load:
                    database.unlink(missing_ok=True)  # faster than deleting 100,000 rows through the triggers
                env["DATABASE_URL"] = f"sqlite:///{database}"
            elif backend == "postgres":
                env["DATABASE_URL"] = _postgres_url(not args.no_load)
            else:
                print(f"unknown backend {backend}", file=sys.stderr)
                return 2
            command = [
                sys.executable,
                __file__,
                "--worker",
                backend,
                "--corpus",
                str(corpus_path),
                "--repeats",
                str(args.repeats),
            ]
            child = subprocess.run(
                command + (["--no-load"] if args.no_load else []),
                env=env,
                capture_output=True,
                text=True,
                cwd=ROOT,
            )
            if child.returncode != 0:
                print(child.stderr, file=sys.stderr)
                return child.returncode
            report(
                backend,
                json.loads(child.stdout.strip().splitlines()[-1]),
                segment_rate,
                args.jobs,
                len(sampled),
            )
    print(f"total {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
