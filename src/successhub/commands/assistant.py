"""``successhub assistant``: the smart customer-service bot's tools.

``successhub assistant rank --corpus C.jsonl --queries Q.jsonl [--top 5]``
builds a temporary index from ``{"id", "text"}`` lines (an optional
``"title"`` is weighted higher) with exactly the analysis and ranking the bot
uses, and prints one line ``{"id": query_id, "results": [doc_id, ...]}`` per
query line, in input order. Either file may be ``-`` (standard input), not
both. Needs neither Django nor a database.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Hashable, Iterator
from typing import Any, TextIO

from successhub.cli import UsageError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("assistant", help="smart customer-service bot tools")
    commands = parser.add_subparsers(dest="assistant_command", metavar="SUBCOMMAND")
    parser.set_defaults(handler=lambda args: _help(parser))

    rank = commands.add_parser(
        "rank",
        help="rank a JSONL corpus for JSONL queries with the bot's retrieval",
        description="Print, for each query line, the ids of the best documents as one JSON line.",
    )
    # Checked in the handler, so bad input always ends with one line and exit 2.
    rank.add_argument("--corpus", metavar="C.jsonl", help='{"id", "text"} lines, or - for stdin')
    rank.add_argument("--queries", metavar="Q.jsonl", help='{"id", "text"} lines, or - for stdin')
    rank.add_argument("--top", metavar="N", default="5", help="results per query (default 5)")
    rank.set_defaults(handler=handle_rank)


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 0


def handle_rank(args: argparse.Namespace) -> int:
    if not args.corpus:
        raise UsageError("assistant rank needs --corpus FILE")
    if not args.queries:
        raise UsageError("assistant rank needs --queries FILE")
    if args.corpus == "-" and args.queries == "-":
        raise UsageError("only one of --corpus and --queries can be - (standard input)")
    top = _parse_top(args.top)

    corpus = list(_read_records(args.corpus, "corpus"))
    seen: dict[Hashable, int] = {}
    for line_number, doc_id, _, _ in corpus:
        if doc_id in seen:
            raise UsageError(
                f"{_name(args.corpus)} line {line_number}: duplicate document id {json.dumps(doc_id, ensure_ascii=False)} "
                f"(first on line {seen[doc_id]})"
            )
        seen[doc_id] = line_number
    queries = list(_read_records(args.queries, "queries"))

    from successhub.search.ranking import Document, Index

    index = Index.build(Document(doc_id, text, title) for _, doc_id, text, title in corpus)
    out = sys.stdout
    for _, query_id, text, _ in queries:
        results = [hit.doc_id for hit in index.search(text, top=top)]
        out.write(json.dumps({"id": query_id, "results": results}, ensure_ascii=False) + "\n")
    out.flush()
    return 0


def _parse_top(value: str) -> int:
    try:
        top = int(value)
    except ValueError:
        raise UsageError(f"--top must be a whole number, not {value!r}") from None
    if top < 1:
        raise UsageError(f"--top must be at least 1, not {top}")
    return top


def _name(path: str) -> str:
    return "<stdin>" if path == "-" else path


def _read_records(path: str, role: str) -> Iterator[tuple[int, Hashable, str, str]]:
    """Yield ``(line_number, id, text, title)`` for each non-blank line of a JSONL file."""
    name = _name(path)
    for line_number, line in _lines(path, role):
        if not line.strip():
            continue
        try:
            record: Any = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{name} line {line_number}: not valid JSON ({exc.msg})") from None
        if not isinstance(record, dict):
            raise UsageError(f"{name} line {line_number}: expected a JSON object with id and text")
        if "id" not in record:
            raise UsageError(f"{name} line {line_number}: missing id")
        record_id = record["id"]
        if isinstance(record_id, bool) or not isinstance(record_id, str | int | float):
            raise UsageError(f"{name} line {line_number}: id must be a string or a number")
        if "text" not in record:
            raise UsageError(f"{name} line {line_number}: missing text")
        if not isinstance(record["text"], str):
            raise UsageError(f"{name} line {line_number}: text must be a string")
        title = record.get("title") or ""
        if not isinstance(title, str):
            raise UsageError(f"{name} line {line_number}: title must be a string")
        yield line_number, record_id, record["text"], title


def _lines(path: str, role: str) -> Iterator[tuple[int, str]]:
    if path == "-":
        yield from enumerate(_decoded(sys.stdin), start=1)
        return
    try:
        handle = open(path, encoding="utf-8-sig")
    except OSError as exc:
        raise UsageError(f"cannot read {role} file {path}: {exc.strerror or exc}") from None
    with handle:
        try:
            yield from enumerate(handle, start=1)
        except UnicodeDecodeError:
            raise UsageError(f"{path}: not UTF-8 text") from None


def _decoded(stream: TextIO) -> Iterator[str]:
    try:
        yield from stream
    except UnicodeDecodeError:
        raise UsageError("<stdin>: not UTF-8 text") from None
