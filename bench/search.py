"""Search benchmark: 100,000 generated Chinese articles on SQLite (FTS5) and PostgreSQL (tsvector + GIN).

    .venv/bin/python bench/search.py [--docs 100000] [--backends sqlite,postgres] [--jobs 2]

Articles are generated from a fixed vocabulary with a seeded RNG, segmented once
with the product's analyser (jieba + product terms; the same code path as the
live index), then written into each database through the ``SearchDocument``
model, so the migration's triggers build the full-text index as in production.
Printed: tokenising and inserting throughput (documents/s) and, for a fixed set
of queries run through ``successhub.search.selectors.search`` (ranking, paging
count, snippets), p50/p95 latency. Target: p95 <= 50 ms.

PostgreSQL: ``DATABASE_URL`` if it points at PostgreSQL, else a ``successhub_bench``
database on postgres://postgres@127.0.0.1:5432, dropped and created afresh.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = 20250701
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/successhub_bench"

PRODUCTS = ["galaxy", "cosmic", "constellation", "eas_cloud", "s_hr"]
SUBJECTS = ["星空", "苍穹", "星瀚", "EAS Cloud", "s-HR", "总账", "应收应付", "存货核算", "固定资产", "合并报表",
            "薪酬核算", "个税", "考勤", "工作流", "数电发票", "预算", "费用报销", "出纳", "资金", "供应链",
            "采购订单", "销售出库", "库存", "成本计算", "凭证", "科目余额表", "现金流量表", "权限", "用户", "许可"]
ACTIONS = ["结账", "反结账", "过账", "审核", "导入", "导出", "打印", "升级", "安装补丁", "计提折旧", "结转损益",
           "期末调汇", "核销", "重新计算", "同步", "配置", "授权", "备份", "还原", "发布"]
PROBLEMS = ["提示错误", "报错", "很慢", "卡顿", "数据不一致", "金额为负数", "无法登录", "无法保存", "找不到菜单",
            "取数为零", "余额不为零", "断号", "重复", "超时", "闪退", "没有权限", "格式不对", "缺少字段"]
FILLERS = ["一般情况下", "建议先", "请检查", "如果仍然", "可以在", "注意", "操作前", "完成后", "系统会", "需要",
           "通常是因为", "另外", "同时", "按照顺序", "在测试环境", "联系管理员", "参考知识库", "期末", "月底", "年初"]
DETAILS = ["参数设置", "业务日期", "会计期间", "核算维度", "组织范围", "数据库统计信息", "应用服务器内存",
           "单据类型", "审批流程", "打印模板", "辅助资料", "汇率类型", "成本域", "折旧方法", "科目属性",
           "权限角色", "补丁版本", "许可文件", "服务进程", "日志目录"]

QUERIES = ["星空结账报错", "凭证断号", "合并报表取数为零", "存货核算金额为负数", "工作流审批", "数电发票导出",
           "s-HR 个税", "固定资产计提折旧很慢", "无法登录", "许可升级", "科目余额表余额不为零", "期末调汇",
           "苍穹 权限", "考勤 超时", "采购订单 审核 报错", "EAS Cloud 补丁", "预算", "出纳 核销 数据不一致",
           "成本计算卡顿", "打印模板格式不对"]


def _sentence(rng: random.Random) -> str:
    return (
        f"{rng.choice(FILLERS)}{rng.choice(SUBJECTS)}{rng.choice(ACTIONS)}时{rng.choice(DETAILS)}"
        f"{rng.choice(PROBLEMS)}，{rng.choice(FILLERS)}{rng.choice(DETAILS)}。"
    )


def _title(rng: random.Random) -> str:
    return f"{rng.choice(SUBJECTS)}{rng.choice(ACTIONS)}{rng.choice(PROBLEMS)}怎么处理"


def _tokens(text: str) -> str:
    from successhub.search.analysis import tokens_for_index

    return " ".join(tokens_for_index(text))


def _segment_pool(texts: list[str]) -> list[str]:
    return [_tokens(text) for text in texts]


def segment(texts: list[str], jobs: int) -> list[str]:
    size = max(1, len(texts) // (jobs * 4))
    chunks = [texts[i : i + size] for i in range(0, len(texts), size)]
    if jobs <= 1:
        return [t for chunk in chunks for t in _segment_pool(chunk)]
    with ProcessPoolExecutor(jobs) as pool:
        return [t for tokens in pool.map(_segment_pool, chunks) for t in tokens]


def generate(count: int, jobs: int) -> tuple[list[dict], float]:
    """``count`` articles composed from pools of sentences and titles, each pool entry segmented once.

    Segmenting 100,000 whole articles would take minutes on a shared 2-core machine, so the
    articles reuse segmented sentences (tokens of a concatenation ~ the concatenated tokens);
    segmentation throughput is measured separately, on whole articles (``measure_segmentation``).
    """
    rng = random.Random(SEED)
    sentences = list(dict.fromkeys(_sentence(rng) for _ in range(6000)))
    titles = list(dict.fromkeys(_title(rng) for _ in range(3000)))
    t = time.perf_counter()
    sentence_tokens = dict(zip(sentences, segment(sentences, jobs), strict=True))
    title_tokens = dict(zip(titles, segment(titles, jobs), strict=True))
    seconds = time.perf_counter() - t
    rows = []
    for n in range(count):
        title = rng.choice(titles)
        body = [rng.choice(sentences) for _ in range(rng.randint(3, 5))]
        rows.append({
            "kind": "article",
            "object_id": n + 1,
            "title": title,
            "body": "".join(body),
            "url": f"/kb/bench-{n + 1}/",
            "product": rng.choice(PRODUCTS),
            "organisation_id": None if rng.random() < 0.9 else rng.randint(1, 50),
            "title_tokens": title_tokens[title],
            "tokens": " ".join(sentence_tokens[s] for s in body),
        })
    return rows, seconds


def measure_segmentation(rows: list[dict], sample: int) -> float:
    """Whole articles segmented per second in one process (title and body, as ``index_doc`` does)."""
    _tokens("预热")
    t = time.perf_counter()
    for row in rows[:sample]:
        _tokens(row["title"])
        _tokens(row["body"])
    return min(sample, len(rows)) / (time.perf_counter() - t)


# --- one backend, in a child process (Django is configured once per process) ----------------


def run_backend(rows_path: str, repeats: int) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "successhub.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from successhub.search.models import SearchDocument
    from successhub.search.selectors import search

    call_command("migrate", verbosity=0)
    SearchDocument.objects.all().delete()
    with open(rows_path, "rb") as handle:
        rows = pickle.load(handle)
    started = time.perf_counter()
    batch = 2000
    for start in range(0, len(rows), batch):
        with transaction.atomic():
            SearchDocument.objects.bulk_create(SearchDocument(**row) for row in rows[start : start + batch])
    insert_seconds = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE search_searchdocument")
    else:
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
            cursor.execute("ANALYZE")

    class Visitor:
        is_authenticated = False

    search(Visitor(), QUERIES[0])  # warm up (jieba, connection, caches)
    timings, totals = [], {}
    for _ in range(repeats):
        for query in QUERIES:
            t = time.perf_counter()
            page = search(Visitor(), query, per_page=20)
            timings.append((time.perf_counter() - t) * 1000)
            totals[query] = page.total
    return {
        "vendor": connection.vendor,
        "docs": len(rows),
        "insert_seconds": insert_seconds,
        "p50_ms": statistics.median(timings),
        "p95_ms": statistics.quantiles(timings, n=20)[18],
        "max_ms": max(timings),
        "queries": len(timings),
        "totals": totals,
    }


def _postgres_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS successhub_bench")
        conn.execute("CREATE DATABASE successhub_bench")
    return PG_DEFAULT


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--jobs", type=int, default=2, help="processes for segmentation")
    parser.add_argument("--repeats", type=int, default=5, help="rounds over the query set")
    parser.add_argument("--sample", type=int, default=2000, help="articles for the segmentation measurement")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--rows", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(run_backend(args.rows, args.repeats)))
        return 0

    started = time.perf_counter()
    rows, pool_seconds = generate(args.docs, args.jobs)
    segment_rate = measure_segmentation(rows, args.sample)
    print(f"generated {len(rows):,} articles (pools segmented in {pool_seconds:.1f}s); "
          f"segmentation of whole articles: {segment_rate:,.0f} docs/s per process (sample of {args.sample:,})")
    with tempfile.TemporaryDirectory(prefix="successhub-bench-") as tmp:
        rows_path = str(Path(tmp) / "rows.pickle")
        with open(rows_path, "wb") as handle:
            pickle.dump(rows, handle, protocol=pickle.HIGHEST_PROTOCOL)
        for backend in args.backends.split(","):
            env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
            if backend == "sqlite":
                env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
            elif backend == "postgres":
                env["DATABASE_URL"] = _postgres_url()
            else:
                print(f"unknown backend {backend}", file=sys.stderr)
                return 2
            child = subprocess.run(
                [sys.executable, __file__, "--worker", backend, "--rows", rows_path, "--repeats", str(args.repeats)],
                env=env, capture_output=True, text=True, cwd=ROOT,
            )
            if child.returncode != 0:
                print(child.stderr, file=sys.stderr)
                return child.returncode
            result = json.loads(child.stdout.strip().splitlines()[-1])
            insert_rate = result["docs"] / result["insert_seconds"]
            overall = 1 / (1 / insert_rate + 1 / (segment_rate * args.jobs))
            verdict = "OK" if result["p95_ms"] <= 50 else "ABOVE TARGET"
            print(f"{backend:9} insert {result['insert_seconds']:.1f}s ({insert_rate:,.0f} docs/s); "
                  f"indexing incl. segmentation ({args.jobs} processes) {overall:,.0f} docs/s; "
                  f"query p50 {result['p50_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms, max {result['max_ms']:.1f} ms "
                  f"over {result['queries']} queries [{verdict}: p95 <= 50 ms]")
    print(f"total {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
