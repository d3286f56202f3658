"""bench/bigweb.py: the copies of a web share no text, so no story spans two copies."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pipelines.shingles import shingle_hashes, tokenize

ROOT = Path(__file__).resolve().parent.parent

PAGE = """<html><head><title>Harbor bridge closes</title><style>p { color: red }</style></head>
<body><h1>Harbor bridge closes for repairs</h1>
<p>The city&#8217;s harbor bridge closes on Monday &amp; stays shut for two weeks.</p>
<p>Drivers are asked to use the ferry; see https://riverton.test/ferry for times.</p>
</body></html>"""


def test_copies_rotate_every_word_of_visible_text_around_character_references(
        tmp_path: Path) -> None:
    web = tmp_path / "web"
    (web / "sites" / "riverton.test" / "news").mkdir(parents=True)
    (web / "sites" / "riverton.test" / "news" / "bridge.html").write_text(PAGE)
    (web / "web.json").write_text(json.dumps({"hosts": ["riverton.test"]}))
    (web / "start_urls.txt").write_text("http://riverton.test/news/bridge.html\n")
    subprocess.run([sys.executable, str(ROOT / "bench" / "bigweb.py"), str(tmp_path / "big"),
                    "--web", str(web), "--copies", "2"], check=True, cwd=ROOT, timeout=60)
    original = (tmp_path / "big/sites/riverton.test/news/bridge.html").read_text()
    copy = (tmp_path / "big/sites/c1-riverton.test/news/bridge.html").read_text()
    assert "&#8217;" in copy and "&amp;" in copy and "color: red" in copy

    def shingles(html: str) -> set[int]:
        paragraphs = html.split("<p>")[1].split("</p>")[0]
        return set(shingle_hashes(tokenize(paragraphs), 3).tolist())

    assert shingles(original) and not shingles(original) & shingles(copy)
    assert "https://c1-riverton.test/ferry" in copy  # text holding a URL: hosts renamed only
    assert "c1-riverton.test" in (tmp_path / "big/start_urls.txt").read_text()
