"""Decoding HTML as browsers do, and when a page's own declarations contradict each other."""

from __future__ import annotations

import codecs

from scrapy.http import TextResponse
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom


def decoded_html(response: TextResponse) -> str:
    """The response's text.

    - A byte-order mark decides. A page that declares no charset (header, <meta>) and is not
      UTF-8 is read as Windows-1252, the web's default for such legacy pages; statistical
      guessing mistakes it for Central European code pages.
    - When the Content-Type header and the page's <meta> name different charsets, one is
      wrong (servers often send a default the page overrides): the first that decodes the
      body without error is used, and valid UTF-8 with non-ASCII text is UTF-8, whatever a
      single-byte charset (which decodes anything) claims.
    """
    body = response.body
    if read_bom(body)[0]:
        return response.text
    header = _codec(http_content_type_encoding(
        (response.headers.get("Content-Type") or b"").decode("latin-1")))
    meta = _codec(html_body_declared_encoding(body))
    if header and meta and header != meta:
        if "utf-8" in (header, meta) and not body.isascii():
            try:
                return body.decode("utf-8")
            except UnicodeDecodeError:
                pass
        for encoding in (header, meta):
            if encoding != "utf-8":
                try:
                    return body.decode(encoding)
                except (UnicodeDecodeError, LookupError):
                    continue
    if header or meta:
        return response.text
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")


def _codec(name: str | None) -> str | None:
    """Python's name for a charset label, or None for none or an unknown one."""
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None
