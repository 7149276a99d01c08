"""Optional: an OpenAI-compatible chat endpoint writes the answer from the retrieved passages.

Off unless ``SUCCESSHUB_LLM_URL`` and ``SUCCESSHUB_LLM_MODEL`` are set. The model
sees only the passages the bot retrieved (numbered [1], [2] ...) and is told to
answer from them alone, citing them. Any failure (network, status, malformed
reply, an answer that cites nothing) returns ``None`` and the caller keeps the
extractive answer: the product works fully without the endpoint.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request
from collections.abc import Sequence

from django.conf import settings

logger = logging.getLogger(__name__)

SYSTEM_PROMPT = (
    "你是金蝶客户成功服务平台的智能客服。只根据下面编号的资料回答用户的问题，"
    "用简体中文，简洁准确；每个事实后用 [1]、[2] 这样的编号标明出处。"
    "资料中没有答案时，只回答“抱歉，资料中没有找到答案”，不要编造。"
)
CITATION = re.compile(r"\[(\d+)\]")


def enabled() -> bool:
    return bool(getattr(settings, "SUCCESSHUB_LLM_URL", "") and getattr(settings, "SUCCESSHUB_LLM_MODEL", ""))


def compose_answer(question: str, passages: Sequence[dict]) -> str | None:
    """The model's answer citing ``passages`` (dicts with title and quote), or ``None`` to fall back."""
    if not enabled() or not passages:
        return None
    numbered = "\n\n".join(f"[{i}] 《{p['title']}》\n{p['quote']}" for i, p in enumerate(passages, start=1))
    payload = {
        "model": settings.SUCCESSHUB_LLM_MODEL,
        "temperature": 0.2,
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": f"资料：\n{numbered}\n\n问题：{question}"},
        ],
    }
    headers = {"Content-Type": "application/json"}
    key = getattr(settings, "SUCCESSHUB_LLM_API_KEY", "")
    if key:
        headers["Authorization"] = f"Bearer {key}"
    url = settings.SUCCESSHUB_LLM_URL.rstrip("/") + "/chat/completions"
    request = urllib.request.Request(
        url, data=json.dumps(payload, ensure_ascii=False).encode("utf-8"), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.SUCCESSHUB_LLM_TIMEOUT) as response:
            body = json.loads(response.read().decode("utf-8"))
        text = body["choices"][0]["message"]["content"].strip()
    except (
        urllib.error.URLError,
        OSError,
        ValueError,
        KeyError,
        IndexError,
        TypeError,
        AttributeError,
    ) as exc:
        logger.warning("LLM endpoint failed, using the extractive answer: %s", exc)
        return None
    cited = {int(n) for n in CITATION.findall(text)}
    if not text or not cited or not cited <= set(range(1, len(passages) + 1)):
        logger.warning(
            "LLM answer cites no retrieved passage (or a missing one); using the extractive answer"
        )
        return None
    return text
