"""Decoding HTML the way browsers do when a page does not say its charset."""

from __future__ import annotations

from scrapy.http import TextResponse
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom


def decoded_html(response: TextResponse) -> str:
    """The response's text. A page that declares no charset (header, <meta>, BOM) and is not
    UTF-8 is read as Windows-1252, the web's default for such legacy pages; statistical
    guessing mistakes it for Central European code pages."""
    declared = (
        http_content_type_encoding((response.headers.get("Content-Type") or b"").decode("latin-1"))
        or html_body_declared_encoding(response.body)
        or read_bom(response.body)[0]
    )
    if declared:
        return response.text
    try:
        return response.body.decode("utf-8")
    except UnicodeDecodeError:
        return response.body.decode("cp1252", errors="replace")
