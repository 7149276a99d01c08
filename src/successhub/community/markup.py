"""Community text: CommonMark in, sanitised HTML out.

Questions, answers, comments, articles and lessons are written in Markdown. ``render_markdown``
parses it with markdown-it-py (CommonMark plus pipe tables and ~~strikethrough~~, raw HTML off,
a line break inside a paragraph kept as a break, as Chinese writers expect), highlights fenced
code with Pygments, and then passes the result through nh3, an allow-list sanitiser, as a
second line of defence. The link and image rules are ours and applied in both places:

- a link may point to a same-site path (``/kb/...``) or an http(s) URL; anything else, a
  protocol-relative ``//host`` included, is shown as its text. Outside links get
  ``rel="nofollow noopener"`` and open in the same tab.
- an image may only be one uploaded to the community (``/community/images/<key>/``): outside
  images would let a post track its readers. Any other image is shown as its alt text.

``plain_text`` gives the words without markup (image alt text included) for the search index and
for excerpts, which therefore never show markup.

Rendering a long article costs tens of milliseconds, so a rendering is kept in the process (an LRU)
and in the shared cache (Redis in production) under the text's SHA-256, and the services render
each post once when it is saved: a reader's page view finds it ready.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

import nh3
from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.token import Token
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

# Where community images are served (see ``community.urls``); a test checks the two agree.
IMAGE_PATH = re.compile(r"^/community/images/[A-Za-z0-9_-]{16,64}/(?:thumb/)?$")
OUTSIDE_REL = "nofollow noopener"
# Bump when the output changes, so the shared cache does not serve renderings of an older version.
RENDERER_VERSION = 1
CACHE_SECONDS = 30 * 24 * 3600
# The page title is <h1>; a heading in a post starts at <h3>.
HEADING_SHIFT = 2

_ALLOWED_TAGS = {
    "p", "br", "hr", "h3", "h4", "h5", "h6", "strong", "em", "s", "code", "pre", "span",
    "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "rel", "class"},
    "img": {"src", "alt", "loading"},
    "ol": {"start"},
    "code": {"class"},
    "pre": {"class"},
    "span": {"class"},
    "table": {"class"},
    "th": {"style"},
    "td": {"style"},
}
_TEXT_ALIGN = re.compile(r"^text-align:(left|right|center)$")
_CODE_CLASS = re.compile(r"^language-[A-Za-z0-9_+-]{1,30}$")
_FORMATTER = HtmlFormatter(nowrap=True, classprefix="hl-")


def is_allowed_link(href: str) -> bool:
    """A same-site path or an http(s) URL; never ``//host``, ``/\\host`` or another scheme."""
    href = href.strip()
    if href.startswith("/"):
        return not href.startswith(("//", "/\\"))
    lowered = href.lower()
    return lowered.startswith(("http://", "https://")) and len(href) > len("https://")


def is_outside_link(href: str) -> bool:
    return not href.startswith("/")


def is_community_image(src: str) -> bool:
    return bool(IMAGE_PATH.match(src.strip()))


def _highlight(code: str, language: str, _attrs) -> str:
    try:
        lexer = get_lexer_by_name(language.strip().split()[0]) if language.strip() else None
    except ClassNotFound:
        lexer = None
    if lexer is None:
        return ""  # markdown-it escapes the code itself
    return highlight(code, lexer, _FORMATTER)


def _build_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "breaks": True, "highlight": _highlight})
    md.enable(["table", "strikethrough"])
    # markdown-it refuses javascript:, vbscript:, file: and most data: URLs; we are stricter.
    md.validateLink = lambda url: is_allowed_link(url) or is_community_image(url)
    rules = md.renderer.rules
    default_link_open = md.renderer.renderToken

    def heading_open(tokens, index, options, env):
        token = tokens[index]
        level = min(int(token.tag[1]) + HEADING_SHIFT, 6)
        return f"<h{level}>"

    def heading_close(tokens, index, options, env):
        level = min(int(tokens[index].tag[1]) + HEADING_SHIFT, 6)
        return f"</h{level}>\n"

    def link_open(tokens, index, options, env):
        token = tokens[index]
        href = token.attrGet("href") or ""
        if not is_allowed_link(href):
            token.attrs = {}
            token.meta["dropped"] = True
            return ""
        if is_outside_link(href):
            token.attrSet("rel", OUTSIDE_REL)
        return default_link_open(tokens, index, options, env)

    def link_close(tokens, index, options, env):
        # Find the matching opener: it told us whether the link was dropped.
        depth = 0
        for opener in reversed(tokens[:index]):
            if opener.type == "link_close":
                depth += 1
            elif opener.type == "link_open":
                if depth == 0:
                    return "" if opener.meta.get("dropped") else "</a>"
                depth -= 1
        return "</a>"

    def image(tokens, index, options, env):
        token = tokens[index]
        src = token.attrGet("src") or ""
        alt = md.renderer.renderInlineAsText(token.children or [], options, env)
        escaped_alt = _escape(alt)
        if not is_community_image(src):
            return escaped_alt
        full = src.removesuffix("thumb/")
        return (
            f'<a href="{_escape(full)}" class="md-image">'
            f'<img src="{_escape(src)}" alt="{escaped_alt}" loading="lazy"></a>'
        )

    def table_open(tokens, index, options, env):
        return '<table class="list">\n'

    rules["heading_open"] = heading_open
    rules["heading_close"] = heading_close
    rules["link_open"] = link_open
    rules["link_close"] = link_close
    rules["image"] = image
    rules["table_open"] = table_open
    return md


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "a" and attribute == "href":
        return value if is_allowed_link(value) else None
    if tag == "a" and attribute == "rel":
        return OUTSIDE_REL
    if tag == "a" and attribute == "class":
        return value if value == "md-image" else None
    if tag == "img" and attribute == "src":
        return value if is_community_image(value) else None
    if tag == "img" and attribute == "loading":
        return "lazy"
    if attribute == "style":
        return value if _TEXT_ALIGN.match(value.replace(" ", "")) else None
    if tag == "code" and attribute == "class":
        return value if _CODE_CLASS.match(value) else None
    if tag in {"pre", "span"} and attribute == "class":
        return value if re.fullmatch(r"hl-[A-Za-z0-9]{1,4}", value) else None
    if tag == "table" and attribute == "class":
        return "list"
    return value


_PARSER = _build_parser()


def sanitise(html: str) -> str:
    """The allow-list pass: only the tags, attributes and URLs a rendered post may hold."""
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https"},
        link_rel=None,
        attribute_filter=_attribute_filter,
        strip_comments=True,
    )


@lru_cache(maxsize=2048)
def _render(text: str) -> str:
    key = f"md:{RENDERER_VERSION}:{hashlib.sha256(text.encode()).hexdigest()}"
    html = cache.get(key)
    if html is None:
        html = sanitise(_PARSER.render(text))
        cache.set(key, html, CACHE_SECONDS)
    return html


def render_markdown(text: str) -> SafeString:
    return mark_safe(_render(text or ""))  # noqa: S308 - the output went through the nh3 allow-list


def _inline_text(children: list[Token]) -> list[str]:
    words: list[str] = []
    for child in children:
        if child.type in {"text", "code_inline"}:
            words.append(child.content)
        elif child.type in {"softbreak", "hardbreak"}:
            words.append("\n")
        elif child.type == "image":
            words.append(" ".join(_inline_text(child.children or [])))
    return words


@lru_cache(maxsize=2048)
def plain_text(text: str) -> str:
    """The words without the Markdown markers (for search and excerpts); image alt text included."""
    blocks: list[str] = []
    row: list[str] = []
    in_row = False
    for token in _PARSER.parse(text or ""):
        if token.type == "tr_open":
            in_row, row = True, []
        elif token.type == "tr_close":
            in_row = False
            blocks.append(" ".join(cell for cell in row if cell))
        elif token.type == "inline":
            words = "".join(_inline_text(token.children or [])).strip()
            if in_row:
                row.append(words)
            elif words:
                blocks.extend(line.strip() for line in words.split("\n") if line.strip())
        elif token.type in {"fence", "code_block"}:
            blocks.extend(line for line in token.content.split("\n") if line.strip())
    return "\n".join(blocks)


def excerpt(text: str, length: int = 120) -> str:
    flat = " ".join(plain_text(text).split())
    return flat if len(flat) <= length else flat[: length - 1] + "…"
