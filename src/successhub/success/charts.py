"""Charts drawn on the server as SVG: the same markup in the page and in the PDF (WeasyPrint draws SVG),
no script, nothing fetched."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#2f6fdf", "#f08c2e", "#35a87a", "#c04a8c", "#7a6fd0", "#999999")


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
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">'
    ]
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
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">'
    ]
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
