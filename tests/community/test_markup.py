"""The community renderer and sanitiser: what a post may hold, and what a hostile one may not.

Each case is named after the rule it checks; the demo content is rendered with the renderer the
community used before (``bench/legacy_markup.py``) and with today's, and nothing it showed is lost.
"""

from __future__ import annotations

import importlib.util
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from django.urls import reverse

from successhub.community.markup import (
    IMAGE_PATH,
    excerpt,
    is_allowed_link,
    is_community_image,
    plain_text,
    render_markdown,
)

ROOT = Path(__file__).resolve().parents[2]
IMAGE = "/community/images/abcdefghijklmnopqrstuv/"


def _legacy():
    spec = importlib.util.spec_from_file_location("legacy_markup", ROOT / "bench" / "legacy_markup.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SAFE_TAGS = {
    "p", "br", "hr", "h3", "h4", "h5", "h6", "strong", "em", "s", "code", "pre", "span", "blockquote",
    "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {name: value or "" for name, value in attrs}))


def _elements(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.elements


HOSTILE = [
    ("script_tag_is_text", "<script>alert(1)</script>", "&lt;script&gt;"),
    ("img_onerror_is_text", '<img src=x onerror="alert(1)">', "&lt;img"),
    ("event_handler_in_link_title", '[x](/kb/a "t" onmouseover=alert(1))', ""),
    ("javascript_link_dropped", "[x](javascript:alert(1))", ""),
    ("javascript_link_with_entities", "[x](jav&#x61;script:alert(1))", ""),
    ("javascript_link_upper_case", "[x](JAVASCRIPT:alert(1))", ""),
    ("javascript_link_with_tab", "[x](java\tscript:alert(1))", ""),
    ("protocol_relative_link_dropped", "[x](//evil.example/path)", ""),
    ("backslash_host_link_dropped", "[x](/\\evil.example)", ""),
    ("autolink_to_protocol_relative", "<//evil.example>", ""),
    ("reference_link_to_javascript", "[x][r]\n\n[r]: javascript:alert(1)", ""),
    ("data_url_link_dropped", "[x](data:text/html;base64,PHNjcmlwdD4=)", ""),
    ("vbscript_link_dropped", "[x](vbscript:msgbox(1))", ""),
    ("mailto_link_dropped", "[x](mailto:a@b.c)", ""),
    ("outside_image_dropped", "![track](https://evil.example/pixel.png)", "track"),
    ("data_url_image_dropped", "![x](data:image/png;base64,AAAA)", ""),
    ("svg_image_path_dropped", "![x](/media/evil.svg)", ""),
    ("html_comment_is_text", "<!-- hidden --> visible", "visible"),
    ("iframe_is_text", '<iframe src="https://evil.example"></iframe>', "&lt;iframe"),
    ("style_tag_is_text", "<style>body{display:none}</style>", "&lt;style&gt;"),
    ("nested_link_in_image_alt", f"![[x](javascript:alert(1))]({IMAGE})", "<img"),
    ("link_text_markup_escaped", "[<b>bold</b>](/kb/a)", '<a href="/kb/a">&lt;b&gt;'),
    ("code_block_escapes_html", "```html\n<script>alert(1)</script>\n```", "&lt;"),
    ("attribute_breakout_in_alt", f'![x" onerror="alert(1)]({IMAGE})', "<img"),
    ("raw_html_block", "<div onclick=alert(1)>\n\n*x*\n\n</div>", "&lt;div"),
]


@pytest.mark.parametrize(("rule", "text", "present"), HOSTILE, ids=[c[0] for c in HOSTILE])
def test_hostile_input_is_neutralised(rule, text, present):
    html = str(render_markdown(text))
    for tag, attributes in _elements(html):
        assert tag in SAFE_TAGS, f"{rule}: <{tag}> in {html!r}"
        assert not [name for name in attributes if name.startswith("on")], f"{rule}: handler in {html!r}"
        if "href" in attributes:
            assert is_allowed_link(attributes["href"]), f"{rule}: href in {html!r}"
            assert not attributes["href"].startswith("//"), rule
        if tag == "img":
            assert is_community_image(attributes.get("src", "")), f"{rule}: img in {html!r}"
        assert "style" not in attributes or attributes["style"].startswith("text-align:"), rule
    assert present in html, f"{rule}: {present!r} missing from {html!r}"


LINKS = [
    ("same_site_path_is_a_link", "[知识库](/kb/voucher)", '<a href="/kb/voucher">知识库</a>'),
    ("https_url_is_an_outside_link", "[官网](https://www.kingdee.com)",
     '<a href="https://www.kingdee.com" rel="nofollow noopener">官网</a>'),
    ("http_url_is_an_outside_link", "[x](http://example.com/a)", 'href="http://example.com/a" rel="nofollow noopener"'),
    ("same_site_link_has_no_nofollow", "[x](/tickets/)", '<a href="/tickets/">x</a>'),
    ("dropped_link_keeps_its_text", "[点这里](//evil.example)", "点这里"),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "text", "expected"), LINKS, ids=[c[0] for c in LINKS])
def test_links(rule, text, expected):
    assert expected in str(render_markdown(text)), rule


RENDERING = [
    ("heading_starts_at_h3", "# 标题", "<h3>标题</h3>"),
    ("level_two_heading_is_h4", "## 小节", "<h4>小节</h4>"),
    ("bold", "**粗体**", "<strong>粗体</strong>"),
    ("strikethrough", "~~删除~~", "<s>删除</s>"),
    ("line_break_inside_paragraph_is_kept", "第一行\n第二行", "第一行<br>\n第二行"),
    ("nested_list", "- 一\n  - 一点一\n- 二", "<li>一\n<ul>\n<li>一点一</li>"),
    ("numbered_list_keeps_its_start", "3. 三\n4. 四", '<ol start="3">'),
    ("table_has_the_list_class", "| a | b |\n| --- | --- |\n| 1 | 2 |", '<table class="list">'),
    ("table_alignment_kept", "| a |\n| :-: |\n| 1 |", '<td style="text-align:center">1</td>'),
    ("code_block_highlighted", "```python\ndef f():\n    return 1\n```", '<span class="hl-k">def</span>'),
    ("code_block_language_class", "```sql\nselect 1\n```", '<code class="language-sql">'),
    ("unknown_language_plain_escaped", "```nosuchlang\n<a>\n```", "&lt;a&gt;"),
    ("inline_code", "运行 `reindex`", "<code>reindex</code>"),
    ("block_quote", "> 引用", "<blockquote>\n<p>引用</p>\n</blockquote>"),
    ("community_image_shown", f"![报错截图]({IMAGE})",
     f'<a href="{IMAGE}" class="md-image"><img src="{IMAGE}" alt="报错截图" loading="lazy"></a>'),
    ("community_thumbnail_links_to_full", f"![t]({IMAGE}thumb/)", f'<a href="{IMAGE}" class="md-image">'),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "text", "expected"), RENDERING, ids=[c[0] for c in RENDERING])
def test_rendering(rule, text, expected):
    assert expected in str(render_markdown(text)), rule


PLAIN = [
    ("markers_removed", "# 标题\n\n**粗体** 与 `代码`", "标题\n粗体 与 代码"),
    ("table_cells_joined", "| a | b |\n| --- | --- |\n| 1 | 2 |", "a b\n1 2"),
    ("link_keeps_its_text", "[知识库](/kb/a)", "知识库"),
    ("image_alt_text_kept_for_search", f"看图 ![凭证过账报错]({IMAGE})", "看图 凭证过账报错"),
    ("code_block_text_kept", "```\nselect 1\n```", "select 1"),
    ("list_items_on_lines", "- 一\n- 二", "一\n二"),
]


@pytest.mark.parametrize(("rule", "text", "expected"), PLAIN, ids=[c[0] for c in PLAIN])
def test_plain_text(rule, text, expected):
    assert plain_text(text) == expected, rule


def test_excerpt_never_shows_markup():
    text = f"## 步骤\n\n1. 打开 **总账**\n2. 点击 [过账](/kb/post)\n\n![截图]({IMAGE})\n\n" + "很长的说明。" * 40
    short = excerpt(text, 60)
    assert len(short) == 60 and short.endswith("…")
    assert not re.search(r"[*#\[\]()!`<>]", short)


def test_the_image_pattern_matches_the_image_url():
    assert IMAGE_PATH.match(reverse("community:image", args=["abcdefghijklmnopqrstuv"]))
    assert IMAGE_PATH.match(reverse("community:image_thumb", args=["abcdefghijklmnopqrstuv"]))


def _tags(html: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for tag in re.findall(r"<(table|li|h3|h4|h5|h6|pre|blockquote|strong|code|a)[\s>]", html):
        counts[tag] = counts.get(tag, 0) + 1
    return counts


def _demo_texts() -> list[tuple[str, str]]:
    content = ROOT / "src" / "successhub" / "demo" / "content"
    texts = []
    for name, fields in (("kb.yaml", ("body",)), ("questions.yaml", ("body",)), ("faq.yaml", ("answer",)),
                         ("courses.yaml", ("summary", "body"))):  # fmt: skip
        def walk(node, where, fields=fields):
            if isinstance(node, dict):
                for key, value in node.items():
                    if key in fields and isinstance(value, str):
                        texts.append((f"{where}.{key}", value))
                    else:
                        walk(value, f"{where}.{key}")
            elif isinstance(node, list):
                for index, value in enumerate(node):
                    walk(value, f"{where}[{index}]")

        walk(yaml.safe_load((content / name).read_text(encoding="utf-8")), name)
    return texts


def test_the_demo_content_renders_at_least_as_before():
    legacy = _legacy()
    texts = _demo_texts()
    assert len(texts) > 100
    lost = []
    for where, text in texts:
        before, after = _tags(legacy.render_markdown(text)), _tags(str(render_markdown(text)))
        for tag, count in before.items():
            if after.get(tag, 0) < count:
                lost.append((where, tag, count, after.get(tag, 0)))
        # The words read the same (markup aside).
        assert " ".join(legacy.plain_text(text).split()) == " ".join(plain_text(text).split()), where
    assert lost == []
