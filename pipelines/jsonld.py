"""The JSON-LD objects of a page, read with bounded cost.

A page's JSON-LD is untrusted: a multi-megabyte array, or nesting thousands deep (which
makes json.loads raise RecursionError), must cost a page no more than its size, and never
lose the page. Scripts larger than MAX_SCRIPT_CHARS are skipped; at most MAX_OBJECTS
objects are read from a page, walking no deeper than MAX_DEPTH.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator
from typing import Any

from lxml.html import HtmlElement

MAX_SCRIPT_CHARS = 1_000_000
MAX_OBJECTS = 2_000
MAX_DEPTH = 8


def jsonld_objects(root: HtmlElement) -> Iterator[dict[str, Any]]:
    """The page's top-level JSON-LD objects and the members of their @graph, in order."""
    read = 0
    for script in root.iter("script"):
        if str(script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        text = script.text or ""
        if len(text) > MAX_SCRIPT_CHARS:
            continue
        try:
            data = json.loads(text or "null")
        except (ValueError, RecursionError):
            continue
        queue: deque[tuple[Any, int]] = deque([(data, 0)])
        while queue:
            item, depth = queue.popleft()
            if depth > MAX_DEPTH:
                continue
            if isinstance(item, list):
                queue.extend((member, depth + 1) for member in item)
            elif isinstance(item, dict):
                read += 1
                if read > MAX_OBJECTS:
                    return
                graph = item.get("@graph")
                if isinstance(graph, list):
                    queue.extend((member, depth + 1) for member in graph)
                yield item
