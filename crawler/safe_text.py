"""Text from crawled pages made safe to print: a page controls its titles and URLs, and a
terminal obeys escape sequences, C1 controls and bidirectional overrides inside them (a
title can clear the screen, set the window title or make a URL read backwards)."""

from __future__ import annotations

import json
import re
from typing import Any

# C0 and C1 controls, DEL, and the bidirectional embedding, override and isolate marks.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def for_terminal(text: object) -> str:
    """`text` as one printable line: every control or bidi character shown as \\uXXXX."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", str(text))


def json_line(record: dict[str, Any]) -> str:
    """`record` as one JSON line whose raw text holds no control or bidi character (they
    are written as \\uXXXX escapes, so the parsed values are unchanged)."""
    return escape_json(json.dumps(record, ensure_ascii=False))


def escape_json(encoded: str) -> str:
    """JSON text (from json.dumps, which escapes C0 controls itself) with every DEL, C1 or
    bidi character written as a \\uXXXX escape; an indented document keeps its lines."""
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", encoded)
