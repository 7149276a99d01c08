"""PDF from the report's HTML (WeasyPrint). Fonts are embedded (subset) by WeasyPrint, so the Chinese
text renders and can be extracted on a machine without them; the charts are inline SVG.

What a report PDF costs is mostly its fonts: every font face the document uses is subset and embedded,
and a CJK face is a 20 MB collection. So:

- every text, the charts' SVG and the page numbers included, names one family (``_pdf_style.html``,
  ``charts.FONT_FAMILY``): two faces (regular and bold) instead of five (a Latin serif and sans for
  digits and page numbers, a Japanese CJK face picked for unlabelled SVG text);
- HarfBuzz subsets the faces (Debian's ``libharfbuzz-subset0``, installed by ``make pdf``); without it
  WeasyPrint falls back to fontTools, which takes seconds per CJK face (``subsetter()`` says which);
- one font configuration is kept per process instead of one per document.

``bench/reports.py`` prints the seconds per PDF beside the fontTools path, measured in the same run.
"""

from __future__ import annotations

import threading

from django.template.loader import render_to_string

from successhub.success.errors import SuccessError


class PdfUnavailable(SuccessError):
    status = 503
    code = "pdf_unavailable"


# WeasyPrint's font configuration (fontconfig and Pango state) is built once and shared; Pango is not
# safe to drive from two threads at once, so renders in one process take turns.
_lock = threading.Lock()
_font_config = None


def _weasyprint():
    try:
        from weasyprint import HTML
        from weasyprint.text.fonts import FontConfiguration
    except (ImportError, OSError) as exc:  # OSError: Pango missing (make pdf installs it)
        raise PdfUnavailable(
            "PDF 生成组件未安装（请运行 make pdf）。",
            f"The PDF renderer is not installed ({type(exc).__name__}); run make pdf.",
        ) from None
    return HTML, FontConfiguration


def subsetter() -> str:
    """How WeasyPrint subsets the embedded fonts here: ``harfbuzz`` (fast) or ``fonttools`` (slow)."""
    _weasyprint()
    from weasyprint.pdf import fonts
    from weasyprint.text.ffi import harfbuzz

    fast = fonts.harfbuzz_subset and harfbuzz.hb_version_atleast(4, 1, 0)
    return "harfbuzz" if fast else "fonttools"


def render_pdf(template: str, context: dict) -> bytes:
    global _font_config
    HTML, FontConfiguration = _weasyprint()
    html = render_to_string(template, context)
    with _lock:
        if _font_config is None:
            _font_config = FontConfiguration()
        return HTML(string=html).write_pdf(font_config=_font_config)
