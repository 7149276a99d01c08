"""`successhub assistant rank`: the bot's retrieval on any JSONL corpus, its output format and its errors."""

from __future__ import annotations

import io
import json

import pytest

from successhub.cli import main

CORPUS = [
    {"id": "pwd", "text": "忘记密码怎么办？在登录页点击忘记密码，通过手机验证码重置。"},
    {"id": "patch", "text": "补丁在哪里下载？登录金蝶云社区进入补丁下载。"},
    {"id": "close", "text": "月末结账的步骤：凭证过账、结转损益、最后总账结账。"},
]
QUERIES = [
    {"id": "q1", "text": "密码忘了"},
    {"id": 2, "text": "patch去哪下载"},
    {"id": "q3", "text": "月结步骤"},
]


def jsonl(rows) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


@pytest.fixture
def files(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    queries = tmp_path / "queries.jsonl"
    corpus.write_text(jsonl(CORPUS), encoding="utf-8")
    queries.write_text(jsonl(QUERIES), encoding="utf-8")
    return corpus, queries


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["assistant", "rank", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_one_json_line_per_query_in_input_order(capsys, files):
    corpus, queries = files
    code, out, err = run(capsys, "--corpus", str(corpus), "--queries", str(queries))
    assert (code, err) == (0, "")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [row["id"] for row in rows] == ["q1", 2, "q3"]
    assert [row["results"][0] for row in rows] == ["pwd", "patch", "close"]
    assert all(set(row) == {"id", "results"} for row in rows)


def test_ids_keep_their_json_type_and_chinese_is_not_escaped(capsys, tmp_path):
    corpus = tmp_path / "c.jsonl"
    queries = tmp_path / "q.jsonl"
    corpus.write_text(
        jsonl([{"id": 10, "text": "凭证打印"}, {"id": "文档2", "text": "补丁下载"}]), encoding="utf-8"
    )
    queries.write_text(jsonl([{"id": 1, "text": "补丁"}, {"id": "一", "text": "凭证"}]), encoding="utf-8")
    code, out, _ = run(capsys, "--corpus", str(corpus), "--queries", str(queries))
    assert code == 0
    assert out.splitlines() == ['{"id": 1, "results": ["文档2"]}', '{"id": "一", "results": [10]}']


def test_top_limits_results(capsys, files):
    corpus, queries = files
    code, out, _ = run(capsys, "--corpus", str(corpus), "--queries", str(queries), "--top", "1")
    assert code == 0
    assert all(len(json.loads(line)["results"]) <= 1 for line in out.splitlines())


def test_query_with_nothing_in_common_gets_empty_results(capsys, tmp_path, files):
    corpus, _ = files
    queries = tmp_path / "q.jsonl"
    queries.write_text(jsonl([{"id": "x", "text": "红烧肉"}]), encoding="utf-8")
    code, out, _ = run(capsys, "--corpus", str(corpus), "--queries", str(queries))
    assert code == 0
    assert json.loads(out) == {"id": "x", "results": []}


@pytest.mark.parametrize("which", ["corpus", "queries"])
def test_either_file_may_be_stdin(capsys, monkeypatch, files, which):
    corpus, queries = files
    source = corpus if which == "corpus" else queries
    monkeypatch.setattr("sys.stdin", io.StringIO(source.read_text(encoding="utf-8")))
    args = {"corpus": str(corpus), "queries": str(queries), which: "-"}
    code, out, _ = run(capsys, "--corpus", args["corpus"], "--queries", args["queries"])
    assert code == 0
    assert len(out.splitlines()) == len(QUERIES)


def test_blank_lines_are_skipped(capsys, tmp_path, files):
    _, queries = files
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("\n" + jsonl(CORPUS) + "\n\n", encoding="utf-8")
    code, out, _ = run(capsys, "--corpus", str(corpus), "--queries", str(queries))
    assert code == 0
    assert len(out.splitlines()) == len(QUERIES)


def write(tmp_path, name: str, content: str):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return str(path)


BAD_INPUTS = {
    "missing corpus file": (
        lambda tmp, good: ["--corpus", str(tmp / "nope.jsonl"), "--queries", good[1]],
        "nope.jsonl",
    ),
    "missing queries file": (
        lambda tmp, good: ["--corpus", good[0], "--queries", str(tmp / "nope.jsonl")],
        "nope.jsonl",
    ),
    "bad JSON in corpus": (
        lambda tmp, good: [
            "--corpus",
            write(tmp, "c.jsonl", jsonl(CORPUS[:1]) + "{oops\n"),
            "--queries",
            good[1],
        ],
        "c.jsonl line 2",
    ),
    "bad JSON in queries": (
        lambda tmp, good: ["--corpus", good[0], "--queries", write(tmp, "q.jsonl", "not json\n")],
        "q.jsonl line 1",
    ),
    "line is not an object": (
        lambda tmp, good: ["--corpus", write(tmp, "c.jsonl", "[1, 2]\n"), "--queries", good[1]],
        "c.jsonl line 1",
    ),
    "document without id": (
        lambda tmp, good: [
            "--corpus",
            write(tmp, "c.jsonl", jsonl([{"text": "凭证"}])),
            "--queries",
            good[1],
        ],
        "c.jsonl line 1: missing id",
    ),
    "document without text": (
        lambda tmp, good: ["--corpus", write(tmp, "c.jsonl", jsonl([{"id": "a"}])), "--queries", good[1]],
        "c.jsonl line 1: missing text",
    ),
    "query without text": (
        lambda tmp, good: [
            "--corpus",
            good[0],
            "--queries",
            write(tmp, "q.jsonl", jsonl(QUERIES[:2] + [{"id": 3}])),
        ],
        "q.jsonl line 3: missing text",
    ),
    "query without id": (
        lambda tmp, good: [
            "--corpus",
            good[0],
            "--queries",
            write(tmp, "q.jsonl", jsonl([{"text": "凭证"}])),
        ],
        "q.jsonl line 1: missing id",
    ),
    "text is not a string": (
        lambda tmp, good: [
            "--corpus",
            write(tmp, "c.jsonl", jsonl([{"id": "a", "text": 5}])),
            "--queries",
            good[1],
        ],
        "text must be a string",
    ),
    "id is not a scalar": (
        lambda tmp, good: [
            "--corpus",
            write(tmp, "c.jsonl", jsonl([{"id": ["a"], "text": "凭证"}])),
            "--queries",
            good[1],
        ],
        "id must be",
    ),
    "duplicate document id": (
        lambda tmp, good: [
            "--corpus",
            write(
                tmp,
                "c.jsonl",
                jsonl(
                    [{"id": "a", "text": "凭证"}, {"id": "b", "text": "补丁"}, {"id": "a", "text": "月结"}]
                ),
            ),
            "--queries",
            good[1],
        ],
        "c.jsonl line 3: duplicate document id",
    ),
    "top below one": (lambda tmp, good: ["--corpus", good[0], "--queries", good[1], "--top", "0"], "--top"),
    "top not a number": (
        lambda tmp, good: ["--corpus", good[0], "--queries", good[1], "--top", "five"],
        "--top",
    ),
    "both files from stdin": (lambda tmp, good: ["--corpus", "-", "--queries", "-"], "only one"),
    "no corpus": (lambda tmp, good: ["--queries", good[1]], "--corpus"),
    "no queries": (lambda tmp, good: ["--corpus", good[0]], "--queries"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS), ids=str)
def test_bad_input_exits_2_with_one_line_naming_the_problem(capsys, tmp_path, files, case):
    make_args, expected = BAD_INPUTS[case]
    code, out, err = run(capsys, *make_args(tmp_path, tuple(map(str, files))))
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert expected in err


def test_not_utf8_is_a_usage_error(capsys, tmp_path, files):
    _, queries = files
    corpus = tmp_path / "c.jsonl"
    corpus.write_bytes(b'{"id": "a", "text": "\xff\xfe"}\n')
    code, _, err = run(capsys, "--corpus", str(corpus), "--queries", str(queries))
    assert code == 2
    assert "UTF-8" in err
