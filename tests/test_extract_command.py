"""`copydesk extract`: saved pages, gzipped pages, URLs and stdin lists, one JSON line each."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

from crawler.items import ARTICLE_FIELDS
from tests.conftest import crawl_env
from tests.hostile import HostileServer, HostileWeb, article, html, redirect

PAGES = Path(__file__).parent / "fixtures" / "pages"
COPYDESK = [sys.executable, "-c", "from crawler.cli import main; main()", "extract"]


def extract(*args: str, cwd: Path, stdin: str | None = None, env: dict[str, str] | None = None
            ) -> list[dict[str, object]]:
    result = subprocess.run([*COPYDESK, *args], cwd=cwd, input=stdin, capture_output=True,
                            text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_files_and_gzipped_files(tmp_path: Path) -> None:
    page = PAGES / "aggregator.html"
    zipped = tmp_path / "page.html.gz"
    zipped.write_bytes(gzip.compress(page.read_bytes()))
    records = extract(str(page), str(zipped), str(PAGES / "listing.html"), "missing.html", cwd=tmp_path)
    plain, unzipped, listing, missing = records
    assert list(plain) == ARTICLE_FIELDS
    assert plain["title"] == "Dam spillway opened as river rises"
    assert plain["source_url"] == "http://riverpost.test/2026/04/01/kessel-dam-spillway-opened/"
    assert unzipped["text"] == plain["text"]
    assert listing == {"url": (PAGES / "listing.html").resolve().as_uri(), "dropped": "too short"}
    assert missing["url"] == "missing.html" and "No such file" in str(missing["dropped"])


def test_a_list_on_stdin(tmp_path: Path) -> None:
    records = extract("-", cwd=tmp_path, stdin=f"{PAGES / 'aggregator.html'}\n\n{PAGES / 'jsonld.html'}\n")
    assert len(records) == 2 and all("text" in r for r in records)


def test_urls_are_fetched_under_the_egress_policy(tmp_path: Path) -> None:
    web = HostileWeb()
    with HostileServer(web) as server:
        web.routes.update({
            f"{server.url}/story": html(article("Bridge works start on Monday")),
            f"{server.url}/go": redirect("http://169.254.169.254/latest/meta-data/"),
        })
        env = crawl_env(None)
        records = extract(f"{server.url}/story", f"{server.url}/go", "-s",
                          f"EGRESS_ALLOW=127.0.0.1:{server.port}", cwd=tmp_path, env=env)
        refused = extract(f"{server.url}/story", cwd=tmp_path, env=env)
    story, metadata = records
    assert story["title"] == "Bridge works start on Monday"
    assert "private_address" in str(metadata["dropped"])
    assert "169.254.169.254" not in {e.url.split("/")[2] for e in web.log}
    assert "private_address" in str(refused[0]["dropped"])  # not allowed: not fetched at all
    assert len([e for e in web.log if e.url.endswith("/story")]) == 1


def test_a_page_that_is_not_an_article_says_why(tmp_path: Path) -> None:
    product = PAGES / "types" / "product.html"
    [record] = extract(str(product), cwd=tmp_path)
    assert record["dropped"] == "not an article"
    assert "declared_commerce=1" in record["evidence"]  # type: ignore[operator]
