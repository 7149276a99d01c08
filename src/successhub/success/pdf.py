"""PDF from the report's HTML (WeasyPrint). Fonts are embedded (subset) by WeasyPrint, so the Chinese
text renders and can be extracted on a machine without them; the charts are inline SVG."""

from __future__ import annotations

from django.template.loader import render_to_string

from successhub.success.errors import SuccessError


class PdfUnavailable(SuccessError):
    status = 503
    code = "pdf_unavailable"


def render_pdf(template: str, context: dict) -> bytes:
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: Pango missing (make pdf installs it)
        raise PdfUnavailable(
            "PDF 生成组件未安装（请运行 make pdf）。",
            f"The PDF renderer is not installed ({type(exc).__name__}); run make pdf.",
        ) from None
    html = render_to_string(template, context)
    return HTML(string=html).write_pdf()
