"""Retrieval quality and latency of ``successhub assistant rank`` beside plain BM25.

Runs the real command path (``successhub.cli.main(["assistant", "rank", ...])``)
on the development set in ``bench/data/assistant_dev`` and a plain BM25
baseline (``successhub.search.ranking.BM25Baseline``) on the same data, and
prints, for each split (``dev``: tuned on; ``heldout``: never tuned on):
top-1 and top-5 accuracy and MRR@5 over the answerable queries, and how the
bot's confidence threshold treats answerable and out-of-domain questions.
Then latencies: the command's wall time, index build time, per-query p50/p95,
and the build time of a 10,000-document index.

    .venv/bin/python bench/assistant.py [--split dev|heldout|all] [--data DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent / "src"))

from successhub.cli import main as successhub_main  # noqa: E402
from successhub.search.ranking import CONFIDENCE_THRESHOLD, BM25Baseline, Index  # noqa: E402


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def run_command(corpus: Path, queries: Path, top: int) -> tuple[dict, float]:
    out = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out):
        code = successhub_main(
            ["assistant", "rank", "--corpus", str(corpus), "--queries", str(queries), "--top", str(top)]
        )
    elapsed = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"assistant rank exited {code}")
    rankings = {}
    for line in out.getvalue().splitlines():
        row = json.loads(line)
        rankings[row["id"]] = row["results"]
    return rankings, elapsed


def metrics(rankings: dict, qrels: list[dict]) -> dict:
    answerable = [row for row in qrels if row["doc_ids"]]
    top1 = top5 = reciprocal = 0.0
    for row in answerable:
        relevant = set(row["doc_ids"])
        results = rankings.get(row["query_id"], [])[:5]
        if results and results[0] in relevant:
            top1 += 1
        if relevant & set(results):
            top5 += 1
        for rank, doc_id in enumerate(results, start=1):
            if doc_id in relevant:
                reciprocal += 1 / rank
                break
    n = len(answerable) or 1
    return {"n": len(answerable), "top1": top1 / n, "top5": top5 / n, "mrr": reciprocal / n}


def confidence_report(index: Index, queries: dict, qrels: list[dict]) -> dict:
    answered_right = answered_wrong = declined_answerable = declined_ood = answered_ood = 0
    for row in qrels:
        hits = index.search(queries[row["query_id"]], top=1)
        confident = bool(hits) and hits[0].score >= CONFIDENCE_THRESHOLD
        if not row["doc_ids"]:
            declined_ood += not confident
            answered_ood += confident
        elif not confident:
            declined_answerable += 1
        elif hits[0].doc_id in row["doc_ids"]:
            answered_right += 1
        else:
            answered_wrong += 1
    return {
        "answered_right": answered_right,
        "answered_wrong": answered_wrong,
        "declined_answerable": declined_answerable,
        "ood_declined": declined_ood,
        "ood_answered": answered_ood,
    }


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "assistant_dev")
    parser.add_argument("--split", choices=["dev", "heldout", "all"], default="all")
    args = parser.parse_args()

    corpus_path, queries_path = args.data / "corpus.jsonl", args.data / "queries.jsonl"
    corpus = read_jsonl(corpus_path)
    queries = {row["id"]: row["text"] for row in read_jsonl(queries_path)}
    qrels = read_jsonl(args.data / "qrels.jsonl")
    splits = ["dev", "heldout"] if args.split == "all" else [args.split]

    ours, command_seconds = run_command(corpus_path, queries_path, top=5)

    started = time.perf_counter()
    baseline = BM25Baseline.build((row["id"], row["text"]) for row in corpus)
    baseline_build = time.perf_counter() - started
    base_rankings, base_latency = {}, []
    for query_id, text in queries.items():
        started = time.perf_counter()
        base_rankings[query_id] = [hit.doc_id for hit in baseline.search(text, top=5)]
        base_latency.append(time.perf_counter() - started)

    started = time.perf_counter()
    index = Index.build((row["id"], row["text"]) for row in corpus)
    build_seconds = time.perf_counter() - started
    latency = []
    for text in queries.values():
        started = time.perf_counter()
        index.search(text, top=5)
        latency.append(time.perf_counter() - started)

    print(f"dev set: {len(corpus)} documents, {len(queries)} queries ({args.data})")
    print(f"{'split':8} {'ranker':14} {'n':>4} {'top-1':>7} {'top-5':>7} {'MRR@5':>7}")
    for split in splits:
        split_qrels = [row for row in qrels if row["split"] == split]
        for name, rankings in (("assistant rank", ours), ("BM25 baseline", base_rankings)):
            m = metrics(rankings, split_qrels)
            print(f"{split:8} {name:14} {m['n']:>4} {m['top1']:>7.3f} {m['top5']:>7.3f} {m['mrr']:>7.3f}")
    print(f"\nconfidence threshold {CONFIDENCE_THRESHOLD} (top-1 score):")
    for split in splits:
        split_qrels = [row for row in qrels if row["split"] == split]
        report = confidence_report(index, queries, split_qrels)
        print(
            f"{split:8} answerable: answered right {report['answered_right']}, answered wrong "
            f"{report['answered_wrong']}, declined {report['declined_answerable']}; "
            f"out-of-domain: declined {report['ood_declined']}, answered {report['ood_answered']}"
        )

    big = [(f"{row['id']}#{copy}", row["text"]) for copy in range(34) for row in corpus][:10_000]
    started = time.perf_counter()
    big_index = Index.build(big)
    big_build = time.perf_counter() - started
    big_latency = []
    for text in queries.values():
        started = time.perf_counter()
        big_index.search(text, top=5)
        big_latency.append(time.perf_counter() - started)

    ms = 1000
    print("\nlatency:")
    print(f"  assistant rank command, whole run: {command_seconds:.2f} s ({len(queries)} queries)")
    print(
        f"  ours:     build {build_seconds * ms:.0f} ms ({len(corpus)} docs), "
        f"query p50 {percentile(latency, 0.5) * ms:.2f} ms, p95 {percentile(latency, 0.95) * ms:.2f} ms"
    )
    print(
        f"  baseline: build {baseline_build * ms:.0f} ms, query p50 {percentile(base_latency, 0.5) * ms:.2f} ms, "
        f"p95 {percentile(base_latency, 0.95) * ms:.2f} ms"
    )
    print(
        f"  ours, {len(big)} docs: build {big_build:.2f} s, query p50 {percentile(big_latency, 0.5) * ms:.2f} ms, "
        f"p95 {percentile(big_latency, 0.95) * ms:.2f} ms, mean {statistics.mean(big_latency) * ms:.2f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
