"""CPU per hostile page: pages built so that a parser's work grows faster than the page
(tests/hostile.py page_bombs) go through every per-page step of the crawl (the spider's
markup parse, extraction, source link and credit, dedup), timed one by one.

    python bench/hostile.py [--limit-s 5]

Prints one line per page, then a JSON line: {"max_cpu_s", "pages": {name: cpu_s},
"articles_kept", "pages_total", "within_limit"}.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipelines.credits import find_credit  # noqa: E402
from pipelines.dedup import DedupOptions, StoryIndex  # noqa: E402
from pipelines.extraction import ArticleExtractor, Extraction, ExtractionOptions  # noqa: E402
from pipelines.sources import find_source_link, links_to_resolve, parse_markup  # noqa: E402
from tests.hostile import page_bombs  # noqa: E402


def process(html: str, url: str, extractor: ArticleExtractor, index: StoryIndex) -> bool:
    markup = parse_markup(html, url)  # the spider's parse
    if markup is not None:
        links_to_resolve(markup)
        find_source_link(markup)
        find_credit(markup.blocks, None)
    result = extractor.extract(html, url)
    if isinstance(result, Extraction):
        index.add(url, result.text)
        return True
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit-s", type=float, default=5.0, help="CPU seconds allowed a page")
    parser.add_argument("--max-chars", type=int, default=ExtractionOptions().max_chars,
                        help="EXTRACTION_MAX_CHARS")
    args = parser.parse_args()
    extractor = ArticleExtractor(ExtractionOptions(max_chars=args.max_chars))
    index = StoryIndex(DedupOptions())
    timings, kept = {}, 0
    for number, (name, html) in enumerate(page_bombs().items()):
        start = time.process_time()
        ok = process(html, f"http://bombs.test/{number}", extractor, index)
        timings[name] = round(time.process_time() - start, 3)
        kept += ok
        print(f"{timings[name]:8.3f} s  {'article' if ok else 'DROPPED':8} {len(html) / 1e6:5.1f} MB  {name}",
              flush=True)
    worst = max(timings.values())
    print(json.dumps({"max_cpu_s": worst, "pages": timings, "articles_kept": kept,
                      "pages_total": len(timings), "within_limit": worst <= args.limit_s}))


if __name__ == "__main__":
    main()
