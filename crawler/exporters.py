"""Feed exporters whose output is safe to print (see crawler.safe_text)."""

from __future__ import annotations

from typing import Any

from scrapy.exporters import JsonLinesItemExporter

from crawler.safe_text import escape_json


class SafeJsonLinesItemExporter(JsonLinesItemExporter):
    """Scrapy's JSON Lines exporter, with control and bidi characters written as escapes."""

    def export_item(self, item: Any) -> None:
        data = escape_json(self.encoder.encode(dict(self.get_serialized_fields(item))))
        self.file.write((data + "\n").encode(self.encoding or "utf-8"))
