"""The regular-expression Markdown subset the community used before markdown-it-py (kept as the
baseline of bench/render.py and the before/after test of the demo content; not used by the product).

Everything is HTML-escaped first; then headings (#, ##, ###), bullet and
numbered lists, pipe tables, block quotes, fenced code, paragraphs, and inline
**bold**, `code` and [links](/path or http(s) URL) are turned into tags.
``plain_text`` strips the same markers for the search index and excerpts.
"""

from __future__ import annotations

import html
import re

from django.utils.safestring import SafeString, mark_safe

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")
_LINK = re.compile(r"\[([^\]]+)\]\(((?:https?://|/)[^)\s]*)\)")
_HEADING = re.compile(r"^(#{1,4})\s+(.*)$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)、]\s+(.*)$")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def _inline(text: str) -> str:
    text = html.escape(text, quote=True)
    text = _CODE.sub(r"<code>\1</code>", text)
    text = _BOLD.sub(r"<strong>\1</strong>", text)
    return _LINK.sub(r'<a href="\2" rel="nofollow noopener">\1</a>', text)


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def render_markdown(text: str) -> SafeString:
    lines = (text or "").replace("\r\n", "\n").split("\n")
    out: list[str] = []
    paragraph: list[str] = []
    index = 0

    def flush() -> None:
        if paragraph:
            out.append("<p>" + "<br>".join(_inline(line) for line in paragraph) + "</p>")
            paragraph.clear()

    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        if not stripped:
            flush()
            index += 1
            continue
        if stripped.startswith("```"):
            flush()
            index += 1
            code = []
            while index < len(lines) and not lines[index].strip().startswith("```"):
                code.append(lines[index])
                index += 1
            out.append("<pre><code>" + html.escape("\n".join(code)) + "</code></pre>")
            index += 1
            continue
        heading = _HEADING.match(stripped)
        if heading:
            flush()
            level = min(len(heading.group(1)) + 2, 6)  # the page title is h1; article headings start at h3
            out.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
            index += 1
            continue
        if stripped.startswith("|") and index + 1 < len(lines) and _TABLE_SEPARATOR.match(lines[index + 1]):
            flush()
            header = _cells(stripped)
            index += 2
            rows = []
            while index < len(lines) and lines[index].strip().startswith("|"):
                rows.append(_cells(lines[index]))
                index += 1
            head = "".join(f"<th>{_inline(cell)}</th>" for cell in header)
            body = "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in row) + "</tr>" for row in rows)
            out.append(f'<table class="list"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')
            continue
        for pattern, tag in ((_BULLET, "ul"), (_NUMBERED, "ol")):
            if pattern.match(line):
                flush()
                items = []
                while index < len(lines) and pattern.match(lines[index]):
                    items.append(f"<li>{_inline(pattern.match(lines[index]).group(1))}</li>")
                    index += 1
                out.append(f"<{tag}>{''.join(items)}</{tag}>")
                break
        else:
            if stripped.startswith(">"):
                flush()
                quote = []
                while index < len(lines) and lines[index].strip().startswith(">"):
                    quote.append(_inline(lines[index].strip()[1:].strip()))
                    index += 1
                out.append("<blockquote>" + "<br>".join(quote) + "</blockquote>")
                continue
            paragraph.append(stripped)
            index += 1
    flush()
    return mark_safe("\n".join(out))  # noqa: S308 - every piece of text above went through html.escape


def plain_text(text: str) -> str:
    """The words without the Markdown markers (for search and excerpts)."""
    lines = []
    for line in (text or "").replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if not stripped or stripped.startswith("```") or _TABLE_SEPARATOR.match(stripped):
            continue
        stripped = re.sub(r"^#{1,6}\s+|^[-*+>]\s+|^\d+[.)、]\s+", "", stripped)
        if stripped.startswith("|"):
            stripped = " ".join(_cells(stripped))
        stripped = _LINK.sub(r"\1", stripped).replace("**", "").replace("`", "")
        lines.append(stripped)
    return "\n".join(lines)


def excerpt(text: str, length: int = 120) -> str:
    flat = " ".join(plain_text(text).split())
    return flat if len(flat) <= length else flat[: length - 1] + "…"
