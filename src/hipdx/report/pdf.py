"""HTML to PDF with WeasyPrint, for the printable reports. The HTML must carry its own styles:
nothing is fetched (a URL in it is refused, not downloaded)."""

from __future__ import annotations

from typing import Any


def html_to_pdf(html: str) -> bytes:
    """The PDF of ``html`` (A4 unless its CSS says otherwise)."""
    import weasyprint

    document = weasyprint.HTML(string=html, url_fetcher=_refuse)
    pdf: bytes = document.write_pdf()
    return pdf


def _refuse(url: str, *args: Any, **kwargs: Any) -> Any:
    raise ValueError(f"the report may not fetch {url[:60]}")
