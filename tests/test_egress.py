"""The egress policy: no request reaches a private, loopback or metadata address, in any
spelling, whatever a hostile page links, redirects or refreshes to."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from crawler.egress import EgressPolicy, EgressRefused, literal_address
from tests.conftest import read_store, run_crawl
from tests.hostile import HostileServer, HostileWeb, article, html, redirect

PRIVATE_SPELLINGS = [
    "127.0.0.1", "10.0.0.1", "192.168.1.1", "169.254.169.254", "2852039166", "0xa9fea9fe",
    "127.1", "167772161", "0177.0.0.1", "[::1]", "[::ffff:169.254.169.254]", "0.0.0.0",
    "localhost.", "sub.localhost", "0", "[::]", "[fe80::1]", "[::ffff:7f00:1]", "0x7f000001",
    "017700000001", "127.0.1", "LOCALHOST", "[fd00::1]", "224.0.0.1", "100.64.0.1",
]


@pytest.mark.parametrize("host", PRIVATE_SPELLINGS)
def test_every_spelling_of_a_private_address_is_refused(host: str) -> None:
    with pytest.raises(EgressRefused):
        EgressPolicy().check_url(f"http://{host}/latest/meta-data/")


@pytest.mark.parametrize("url", ["http://news.example/a", "https://93.184.216.34/", "http://[2606:4700::1]/"])
def test_public_hosts_pass(url: str) -> None:
    EgressPolicy().check_url(url)


@pytest.mark.parametrize("url", [
    "http://%31%32%37.0.0.1/", "http://127.0.0.1:80@evil.example/", "http://user:pw@news.example/",
    "http://127%2e0.0.1/",
])
def test_hosts_that_two_url_parsers_read_differently_are_refused(url: str) -> None:
    with pytest.raises(EgressRefused):
        EgressPolicy().check_url(url)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://news.example/", "data:text/html,x", "gopher://x/"])
def test_only_web_schemes(url: str) -> None:
    with pytest.raises(EgressRefused, match="scheme"):
        EgressPolicy().check_url(url)


def test_allow_list_opens_exactly_what_it_names() -> None:
    policy = EgressPolicy(["127.0.0.1:8080", "10.20.0.0/16", "*.corp.example"])
    policy.check_url("http://127.0.0.1:8080/")
    policy.check_url("http://10.20.3.4/")
    policy.check_url("http://wiki.corp.example/")
    policy.check_resolved("wiki.corp.example", "10.99.0.1")
    for url in ("http://127.0.0.1:8081/", "http://127.1/", "http://10.21.0.1/", "http://localhost:8080/"):
        with pytest.raises(EgressRefused):
            policy.check_url(url)
    with pytest.raises(EgressRefused, match="resolves_private"):
        policy.check_resolved("evil.example", "127.0.0.1")


def test_bad_allow_entry_is_a_one_line_error(tmp_path: Path) -> None:
    result = run_crawl(None, tmp_path, "-a", "start_urls=http://news.example/",
                       "-s", "EGRESS_ALLOW=not a host!")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: bad setting EGRESS_ALLOW: bad EGRESS_ALLOW entry 'not a host!': "
        "not a host name, address or network"]


def test_literal_address_reads_host_spellings_as_the_resolver_does() -> None:
    assert str(literal_address("2852039166")) == "169.254.169.254"
    assert str(literal_address("0x7f.1")) == "127.0.0.1"
    assert str(literal_address("[::ffff:10.0.0.1]")) == "10.0.0.1"
    assert literal_address("news.example") is None


def _private_targets() -> list[str]:
    return [f"http://{host}/latest/meta-data/" for host in PRIVATE_SPELLINGS] + [
        "https://169.254.169.254/latest/meta-data/"]


def _hostile_site() -> HostileWeb:
    """A news site whose links, redirects, meta refreshes and source links all lead to
    private addresses, served through a proxy that would answer them all."""
    targets = _private_targets()
    links = "".join(f'<li><a href="/r/{i}">story {i}</a></li>' for i in range(len(targets)))
    links += "".join(f'<li><a href="/m/{i}">refresh {i}</a></li>' for i in range(len(targets)))
    routes: dict[str, object] = {
        "http://hostile-news.test/": html(f"<ul>{links}</ul><a href='/story'>a story</a>"),
        # A copy whose "Original Article" link looks public and redirects to metadata.
        "http://hostile-news.test/story": html(article("Harbour story copied") + (
            '<p>Original Article: <a href="http://public-wire.test/original">Public Wire</a></p>')),
        "http://public-wire.test/original": redirect("http://169.254.169.254/computeMetadata/v1/"),
    }
    for i, target in enumerate(targets):
        routes[f"http://hostile-news.test/r/{i}"] = redirect(target)
        routes[f"http://hostile-news.test/m/{i}"] = html(
            article(f"Refresh page {i}"), head=f'<meta http-equiv="refresh" content="0; url={target}">')
    return HostileWeb(routes)  # type: ignore[arg-type]


def test_a_hostile_site_gets_no_request_to_a_private_target_through_a_proxy(tmp_path: Path) -> None:
    web = _hostile_site()
    with HostileServer(web) as server:
        result = run_crawl(server.url, tmp_path, "-a", "start_urls=http://hostile-news.test/",
                           "-s", "AUTOTHROTTLE_ENABLED=False")
    assert result.returncode == 0, result.stderr[-3000:]
    asked = web.hosts_asked()
    assert asked == {"hostile-news.test", "public-wire.test"}, asked
    stats = json.loads((tmp_path / "stats.json").read_text())
    refused = sum(v for k, v in stats.items() if k.startswith("egress/refused/"))
    assert refused >= len(_private_targets()) + 1, stats
    log = result.stderr.lower()
    for target in [*_private_targets(), "http://169.254.169.254/computeMetadata/v1/"]:
        assert f"refused by the egress policy (private_address): {target.lower()}" in log \
            or f"refused by the egress policy (local_name): {target.lower()}" in log, target
    stored = read_store(tmp_path / "store.db")["articles"]
    assert all("hostile-news.test" in url or "public-wire" in url for url in stored)


def _name_resolving_to_loopback() -> str:
    """A name from the hosts file that is not spelled like a local address ("vm", the
    machine's own name): only resolution tells it is private."""
    for name in ("vm", "runsc", socket.gethostname(), "ip6-localhost"):
        try:
            address = socket.gethostbyname(name)
        except OSError:
            continue
        if address.startswith("127.") and "localhost" not in name:
            return name
    pytest.fail("no name resolves to a loopback address on this machine (see /etc/hosts)")


def test_names_resolving_to_private_addresses_are_refused_on_connection(tmp_path: Path) -> None:
    """Direct crawl (no proxy) of a test server allowed on its own address and port: a
    redirect to a name that resolves to the same loopback address must not connect."""
    name = _name_resolving_to_loopback()
    web = HostileWeb()
    with HostileServer(web) as server:
        home = f"http://127.0.0.1:{server.port}/"
        web.routes.update({
            home: html('<a href="/go/1">one</a> <a href="/go/2">two</a> <a href="/go/3">three</a>'),
            f"{home}go/1": redirect(f"http://{name}:{server.port}/secret"),
            f"{home}go/2": redirect(f"http://localhost:{server.port}/secret"),
            f"{home}go/3": redirect(f"http://127.0.0.1:{server.port + 1}/secret"),
        })
        result = run_crawl(None, tmp_path, "-a", f"start_urls={home}",
                           "-s", f"EGRESS_ALLOW=127.0.0.1:{server.port}",
                           "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_ENABLED=False")
    assert result.returncode == 0, result.stderr[-3000:]
    assert not [e.url for e in web.log if "/secret" in e.url]
    stats = json.loads((tmp_path / "stats.json").read_text())
    # Each refused twice: the page, and the robots.txt Scrapy asks for before it.
    assert stats.get("egress/refused/resolves_private", 0) >= 1, stats
    assert stats.get("egress/refused/local_name", 0) >= 1
    assert stats.get("egress/refused/private_address", 0) >= 1  # another port of 127.0.0.1
