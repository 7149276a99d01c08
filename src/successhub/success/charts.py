"""Charts drawn on the server as SVG: the same markup in the page and in the PDF (WeasyPrint draws SVG),
no script, nothing fetched."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#2f6fdf", "#f08c2e", "#35a87a", "#c04a8c", "#7a6fd0", "#999999")
# The charts' text names the report's one font (the PDF's body font) before the generic family: left to
# the generic family, the PDF renderer picks a Latin font for the digits and a Japanese CJK face for the
# labels, and each extra face is one more font to subset and embed (see pdf.py).
FONT_FAMILY = "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', sans-serif"


def _open_svg(width: int, height: int, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" '
        f'font-family="{FONT_FAMILY}">'
    )


def bar_chart(
    labels: list[str], values: list[int | float], *, width: int = 640, height: int = 220, title: str = ""
) -> SafeString:
    """Vertical bars with their values on top (e.g. tickets per month)."""
    n = max(len(values), 1)
    top = max(values or [0]) or 1
    left, bottom, pad = 30, 34, 8
    plot_w, plot_h = width - left - pad, height - bottom - 24
    step = plot_w / n
    bar = step * 0.62
    parts = [_open_svg(width, height, title)]
    if title:
        parts.append(f'<text x="{left}" y="14" font-size="13" fill="#333">{escape(title)}</text>')
    base = 24 + plot_h
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width - pad}" y2="{base}" stroke="#bbb"/>')
    for i, (label, value) in enumerate(zip(labels, values, strict=False)):
        h = plot_h * value / top
        x = left + i * step + (step - bar) / 2
        parts.append(
            f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{PALETTE[0]}"/>'
        )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{base - h - 3:.1f}" font-size="10" text-anchor="middle" '
            f'fill="#333">{value}</text>'
        )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{base + 14}" font-size="10" text-anchor="middle" '
            f'fill="#555">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def share_bars(items: list[tuple[str, int]], *, width: int = 640, title: str = "") -> SafeString:
    """Horizontal bars, one per item, with the count and its share (e.g. problem types)."""
    total = sum(v for _, v in items) or 1
    row = 22
    label_w = 190
    height = 24 + row * max(len(items), 1)
    top = max((v for _, v in items), default=0) or 1
    parts = [_open_svg(width, height, title)]
    if title:
        parts.append(f'<text x="0" y="14" font-size="13" fill="#333">{escape(title)}</text>')
    for i, (label, value) in enumerate(items):
        y = 22 + i * row
        w = (width - label_w - 90) * value / top
        color = PALETTE[i % len(PALETTE)]
        parts.append(f'<text x="0" y="{y + 13}" font-size="11" fill="#333">{escape(label[:18])}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" fill="{color}"/>')
        parts.append(
            f'<text x="{label_w + w + 6:.1f}" y="{y + 13}" font-size="11" fill="#333">'
            f"{value}（{value * 100 / total:.0f}%）</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308


def _text_width(text: str, size: float) -> float:
    """Roughly how wide ``text`` runs at ``size`` px: CJK characters are square, Latin ones about half."""
    return sum(size if ord(c) >= 0x2E80 else size * 0.6 for c in text)


def stacked_bars(
    labels: list[str],
    series: list[tuple[str, list[int]]],
    *,
    width: int = 640,
    height: int = 240,
    title: str = "",
) -> SafeString:
    """Vertical bars stacked by series (e.g. each month's contacts by channel), the total on top, a legend."""
    n = max(len(labels), 1)
    totals = [sum(values[i] for _, values in series if i < len(values)) for i in range(len(labels))]
    top = max(totals or [0]) or 1
    left, bottom, pad, legend = 30, 34, 8, 18
    plot_h = height - bottom - 24 - legend
    step = (width - left - pad) / n
    bar = step * 0.62
    base = 24 + legend + plot_h
    parts = [_open_svg(width, height, title)]
    if title:
        parts.append(f'<text x="{left}" y="14" font-size="13" fill="#333">{escape(title)}</text>')
    x = float(left)
    for index, (name, _) in enumerate(series):
        color = PALETTE[index % len(PALETTE)]
        parts.append(f'<rect x="{x:.1f}" y="{24 + 2}" width="10" height="10" fill="{color}"/>')
        parts.append(f'<text x="{x + 13:.1f}" y="{24 + 11}" font-size="10" fill="#333">{escape(name)}</text>')
        x += 13 + _text_width(name, 10) + 14
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width - pad}" y2="{base}" stroke="#bbb"/>')
    for i, label in enumerate(labels):
        bx = left + i * step + (step - bar) / 2
        y = float(base)
        for index, (_, values) in enumerate(series):
            value = values[i] if i < len(values) else 0
            if not value:
                continue
            h = plot_h * value / top
            y -= h
            color = PALETTE[index % len(PALETTE)]
            parts.append(
                f'<rect x="{bx:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{color}"/>'
            )
        if totals[i]:
            parts.append(
                f'<text x="{bx + bar / 2:.1f}" y="{y - 3:.1f}" font-size="10" text-anchor="middle" '
                f'fill="#333">{totals[i]}</text>'
            )
        parts.append(
            f'<text x="{bx + bar / 2:.1f}" y="{base + 14}" font-size="10" text-anchor="middle" '
            f'fill="#555">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
