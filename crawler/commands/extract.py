"""`scrapy extract` (`copydesk extract`): the article in saved pages or at URLs, as JSON lines.

    copydesk extract page.html saved.html.gz https://news.example/story
    find pages -name '*.html' | copydesk extract -

One JSON line per input, in order: the article record's fields (text, title, author, dates,
site, language, source link and credit; the story fields are null), or
{"url": ..., "dropped": reason}. URLs are fetched under the egress policy (EGRESS_ALLOW)
with the crawler's User-Agent and size limit; robots.txt is not consulted for a page a
person names.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.http import HtmlResponse

from crawler.egress import EgressPolicy, EgressRefused
from crawler.encoding import decoded_html
from crawler.items import ARTICLE_FIELDS
from crawler.safe_text import json_line
from pipelines.extraction import ArticleExtractor, Extraction
from pipelines.options import extraction_options
from pipelines.sources import find_attribution


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "PATH_OR_URL... (or - to read them from stdin)"

    def long_desc(self) -> str:
        return f"{self.short_desc()}. Settings that matter: EGRESS_ALLOW (private addresses a URL may name), DOWNLOAD_MAXSIZE, EXTRACTION_MIN_WORDS, EXTRACTION_PAGE_TYPING."

    def short_desc(self) -> str:
        return "Extract the article of saved pages (.html, .gz) or URLs, one JSON line each"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if not args:
            raise UsageError("name at least one file or URL, or - for a list on stdin")
        assert self.settings is not None
        extractor = ArticleExtractor(extraction_options(self.settings))
        policy = EgressPolicy(self.settings.getlist("EGRESS_ALLOW"))
        limit = self.settings.getint("DOWNLOAD_MAXSIZE")
        agent = self.settings.get("USER_AGENT")
        for target in _targets(args):
            try:
                url, body, content_type = _load(target, policy, limit, agent)
            except (OSError, ValueError, EgressRefused, urllib.error.URLError) as exc:
                record: dict[str, Any] = {"url": target, "dropped": str(exc)}
            else:
                record = extract_record(extractor, url, body, content_type)
            sys.stdout.write(json_line(record) + "\n")
            sys.stdout.flush()


def extract_record(extractor: ArticleExtractor, url: str, body: bytes,
                   content_type: str = "text/html") -> dict[str, Any]:
    """The article record of one page, or {"url", "dropped"}."""
    html = decoded_html(HtmlResponse(url, body=body, headers={"Content-Type": content_type}))
    result = extractor.extract(html, url)
    if not isinstance(result, Extraction):
        dropped: dict[str, Any] = {"url": url, "dropped": result.reason}
        if result.evidence:
            dropped["evidence"] = list(result.evidence)
        return dropped
    link, credit = find_attribution(html, url, result.site)
    values = {**result.__dict__, "embeds": list(result.embeds), "url": url,
              "source_url": link.url if link else None,
              "source_evidence": link.evidence if link else None, "credited_to": credit}
    return {field: values.get(field) for field in ARTICLE_FIELDS}


def _targets(args: list[str]) -> Iterator[str]:
    for arg in args:
        if arg == "-":
            yield from (line.strip() for line in sys.stdin if line.strip())
        else:
            yield arg


def _load(target: str, policy: EgressPolicy, limit: int, agent: str) -> tuple[str, bytes, str]:
    """(URL, body, Content-Type) of a file or a URL."""
    if target.startswith(("http://", "https://")):
        opener = urllib.request.build_opener(_CheckedRedirects(policy))
        policy.check_url_and_addresses(target)
        request = urllib.request.Request(target, headers={"User-Agent": agent})
        with opener.open(request, timeout=30) as response:
            body = response.read(limit + 1)
            if len(body) > limit:
                raise ValueError(f"larger than DOWNLOAD_MAXSIZE ({limit} bytes)")
            return response.geturl(), body, response.headers.get("Content-Type", "text/html")
    path = Path(target)
    body = path.read_bytes()
    if path.suffix == ".gz":
        with gzip.open(path) as file:
            body = file.read(limit + 1)
    return path.resolve().as_uri(), body[: limit + 1], "text/html"


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Every redirect is checked before it is followed."""

    def __init__(self, policy: EgressPolicy) -> None:
        self.policy = policy

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> Any:
        self.policy.check_url_and_addresses(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)
