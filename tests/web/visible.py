"""What a person reads on a page: its text, without markup, scripts, styles or attribute values."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# A machine code as people should never read it: lower-case words joined by underscores.
SNAKE_CASE = re.compile(r"(?<![\w./:@-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/@-])")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def machine_codes(html_or_text: str, *, is_html: bool = True) -> list[str]:
    text = visible_text(html_or_text) if is_html else html_or_text
    return sorted(set(SNAKE_CASE.findall(text)))
