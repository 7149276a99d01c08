"""The optional OpenAI-compatible endpoint, against a local stand-in server; and its fallback."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from successhub.assistant.services import ask, conversation_for


class _StandIn(BaseHTTPRequestHandler):
    reply: dict | None = None
    status = 200
    requests: list = []

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(
            {"path": self.path, "auth": self.headers.get("Authorization"), "body": body}
        )
        payload = json.dumps(self.reply).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def stand_in(settings):
    _StandIn.requests = []
    _StandIn.status = 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SUCCESSHUB_LLM_URL = f"http://127.0.0.1:{server.server_port}/v1"
    settings.SUCCESSHUB_LLM_MODEL = "stand-in-model"
    settings.SUCCESSHUB_LLM_API_KEY = "sk-test"
    settings.SUCCESSHUB_LLM_TIMEOUT = 5
    yield _StandIn
    server.shutdown()
    server.server_close()


def _completion(text: str) -> dict:
    return {
        "id": "x",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}}],
    }


def test_the_model_writes_the_answer_from_the_retrieved_passages_with_citations(knowledge, stand_in):
    stand_in.reply = _completion("标准服务热线仅限致命故障，每年不超过 4 次 [1]。")
    reply = ask(conversation_for(None, "s"), "标准服务的热线每年能打几次?")
    assert reply.text == "标准服务热线仅限致命故障，每年不超过 4 次 [1]。"
    assert reply.sources[0]["url"] == "/faq/#faq-hotline-standard-quota"
    request = stand_in.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == "Bearer sk-test"
    assert request["body"]["model"] == "stand-in-model"
    assert "[1] 《标准服务的热线每年能打几次？》" in request["body"]["messages"][1]["content"]


@pytest.mark.parametrize(
    ("status", "reply"),
    [(500, {"error": "boom"}), (200, {"choices": []}), (200, _completion("每年 4 次，没有引用。"))],
    ids=["server_error", "malformed_reply", "answer_without_citation"],
)
def test_any_failure_falls_back_to_the_extractive_answer(knowledge, stand_in, status, reply):
    stand_in.status = status
    stand_in.reply = reply
    answer = ask(conversation_for(None, "s"), "标准服务的热线每年能打几次?")
    assert answer.confident
    assert answer.text.startswith("标准成功服务的热线服务仅面向软件系统致命故障")


def test_the_model_is_not_asked_when_the_bot_does_not_know(knowledge, stand_in):
    stand_in.reply = _completion("瞎猜 [1]")
    reply = ask(conversation_for(None, "s"), "红烧肉怎么做才好吃")
    assert not reply.confident
    assert stand_in.requests == []


def test_an_unreachable_endpoint_falls_back(knowledge, settings):
    settings.SUCCESSHUB_LLM_URL = "http://127.0.0.1:9/v1"
    settings.SUCCESSHUB_LLM_MODEL = "m"
    settings.SUCCESSHUB_LLM_TIMEOUT = 2
    reply = ask(conversation_for(None, "s"), "标准服务的热线每年能打几次?")
    assert reply.text.endswith("[1]")
