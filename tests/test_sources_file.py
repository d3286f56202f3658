from __future__ import annotations

from pathlib import Path

import pytest

from crawler.sources import SITEMAPS_FROM_ROBOTS, SourcesError, load_sources

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text)
    return path


def test_example_file_loads() -> None:
    newsdigest, autoblog = load_sources(ROOT / "sources.example.toml")
    assert newsdigest.name == "newsdigest" and newsdigest.max_pages == 300
    assert newsdigest.feeds == ("http://newsdigest-hub.test/rss.xml",)
    assert newsdigest.allowed_sites == {"newsdigest-hub.test"}
    assert autoblog.sitemaps == (SITEMAPS_FROM_ROBOTS,) and autoblog.interval_minutes == 60
    assert autoblog.max_depth == 10  # default


@pytest.mark.parametrize(("text", "message"), [
    ('[[source]]\nname = "a"\nstart_urls = ["http://a.test/"]\nmax_pagez = 3\n',
     ":4: source 'a': unknown key 'max_pagez'"),
    ('[[source]]\nname = "a"\nstart_urls = ["http://a.test/", "htp:/broken"]\n',
     ":3: source 'a': URL in start_urls 'htp:/broken' must begin with http:// or https://"),
    ('[[source]]\nname = "a"\nfeeds = ["http://a.test/rss"]\n\n[[source]]\nname = "b"\n'
     'start_urls = ["http://b.test/"]\ninterval_minutes = -5\n',
     ":8: source 'b': interval_minutes must be a whole number >= 1, got -5"),
    ('[[source]]\nname = "a"\n', ":2: source 'a': needs at least one of start_urls, feeds or sitemaps"),
    ('[[source]]\nname = "a"\nfeeds = ["http://a.test/rss"]\n[[source]]\nname = "a"\nfeeds = ["http://a.test/f"]\n',
     ":5: source name 'a' is used twice"),
    ('[[source]]\nname = "has space"\nfeeds = ["http://a.test/rss"]\n', ":2: source 'has space': name must be"),
    ('sources = 3\n', ":1: unknown top-level key 'sources'"),
    ('[[source]\nname = "a"\n', ": not valid TOML"),
    ('', ": no [[source]] tables"),
])
def test_mistakes_are_named_with_their_line(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SourcesError) as error:
        load_sources(path)
    assert str(error.value).startswith(str(path))
    assert message in str(error.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourcesError, match="cannot read sources file"):
        load_sources(tmp_path / "nope.toml")
