"""A hostile web for tests: one server on 127.0.0.1 that answers every host itself.

Used as a forward proxy (`http_proxy=...`: the request line carries the full URL, CONNECT is
answered 405 and logged) or directly as an origin server (the Host header names the site).
Each route is a function of the requested URL, so a test can serve a trap that invents a new
URL on every request. Every request is logged, so a test can assert what was never asked.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

Reply = tuple[int, dict[str, str], bytes]
Route = Callable[[str], Reply]


def html(body: str, head: str = "", status: int = 200, headers: dict[str, str] | None = None
         ) -> Reply:
    page = f"<!DOCTYPE html><html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"
    return status, {"Content-Type": "text/html; charset=utf-8", **(headers or {})}, page.encode()


def redirect(location: str, status: int = 302) -> Reply:
    return status, {"Location": location, "Content-Type": "text/plain"}, b""


def article(title: str, words: int = 120, extra: str = "") -> str:
    """An article body of `words` distinct-enough words: long enough to be kept."""
    text = " ".join(f"{title.split()[0].lower()}{i % 97} word{i}" for i in range(words // 2))
    return f"<article><h1>{title}</h1><p>{text}.</p><p>{text[::-1]}.</p>{extra}</article>"


@dataclass
class Logged:
    method: str
    url: str


@dataclass
class HostileWeb:
    """Routes by exact URL ("http://host/path?query"), then by a prefix ending in "*"."""

    routes: dict[str, Route | Reply] = field(default_factory=dict)
    log: list[Logged] = field(default_factory=list)

    def answer(self, method: str, url: str) -> Reply:
        self.log.append(Logged(method, url))
        route = self.routes.get(url)
        if route is None:
            for pattern, candidate in self.routes.items():
                if pattern.endswith("*") and url.startswith(pattern[:-1]):
                    route = candidate
                    break
        if route is None:
            if urlsplit(url).path == "/robots.txt":
                return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n"
            return 404, {"Content-Type": "text/plain"}, b"not found\n"
        return route(url) if callable(route) else route

    def hosts_asked(self) -> set[str]:
        return {(urlsplit(entry.url).hostname or "") for entry in self.log}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 -- http.server's naming
        self._reply(with_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._reply(with_body=False)

    def do_CONNECT(self) -> None:  # noqa: N802
        self.server.web.log.append(Logged("CONNECT", f"https://{self.path}/"))
        self._send((405, {"Content-Type": "text/plain"}, b"no tunnels\n"), True)

    def _reply(self, with_body: bool) -> None:
        url = self.path
        if not url.startswith(("http://", "https://")):
            url = f"http://{self.headers.get('Host', '')}{self.path}"
        self._send(self.server.web.answer(self.command, url), with_body)

    def _send(self, reply: Reply, with_body: bool) -> None:
        status, headers, body = reply
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, web: HostileWeb) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.web = web

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a crawler hanging up on a slow or huge answer is part of the game


class HostileServer:
    """`with HostileServer(web) as server:` serves `web` on 127.0.0.1 in a thread."""

    def __init__(self, web: HostileWeb) -> None:
        self.web = web
        self._server = _Server(web)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _body_text(words: int = 300) -> str:
    sentences = [f"The council met on day {i} and agreed the plan for district {i % 7}." for i in range(words // 12)]
    return "".join(f"<p>{' '.join(sentences[i:i + 4])}</p>" for i in range(0, len(sentences), 4))


def page_bombs() -> dict[str, str]:
    """Pages built to make a parser's work grow faster than the page: each holds a real
    article, which must come out of it, in bounded time."""
    story = f"<article><h1>Council agrees the district plan</h1>{_body_text()}</article>"
    many_links = "".join(f'<a href="/l/{i}">l{i}</a> ' for i in range(100_000))
    deep_jsonld = "[" * 100_000 + "]" * 100_000
    big_jsonld = "[" + ",".join('{"@type": "Thing", "name": "x%d"}' % i for i in range(60_000)) + "]"
    embed_href = "https://facebook.com/" + "a" * 200_000
    nested_embeds = '<div class="twitter-tweet">' * 200 + "".join(
        f'<a href="https://facebook.com/{"x/" * 50}{i}">p</a>' for i in range(2000)) + "</div>" * 200
    return {
        "100k links in one paragraph": f"<html><body>{story}<p>{many_links}</p></body></html>",
        "100k links in a list": f"<html><body>{story}<ul>" + "".join(
            f'<li><a href="/l/{i}">item {i}</a></li>' for i in range(100_000)) + "</ul></body></html>",
        "100k linked headings": f"<html><body>{story}<div>" + "".join(
            f'<h3><a href="/t/{i}">teaser {i}</a></h3>' for i in range(100_000)) + "</div></body></html>",
        "2 MB JSON-LD array": f'<html><head><script type="application/ld+json">{big_jsonld}</script></head>'
                              f"<body>{story}</body></html>",
        "JSON-LD nested 100,000 deep": f'<html><head><script type="application/ld+json">{deep_jsonld}'
                                       f"</script></head><body>{story}</body></html>",
        "embed regex bomb": f'<html><body><blockquote class="twitter-tweet"><a href="{embed_href}">x</a>'
                            f"</blockquote>{nested_embeds}{story}</body></html>",
        "1 MB title": f"<html><head><title>{'Headline ' * 110_000}</title></head><body>{story}</body></html>",
        "3 MB head": f"<html><head><script>var x = '{'z' * 3_000_000}';</script><title>Council plan</title>"
                     f"</head><body>{story}</body></html>",
        "1 MB punctuation line": f"<html><body>{story}<p>{'!' * 1_000_000}</p></body></html>",
        "40k blocks named like ads": f"<html><body>{story}" + "".join(
            f'<div class="promo-{i}">x</div>' for i in range(40_000)) + "</body></html>",
        "100k runs between double breaks": f"<html><body>{story}<div>" + "".join(
            f"comment {i} says nothing much<br><br>" for i in range(100_000)) + "</div></body></html>",
        "layout tables nested 50 deep": "<html><body>" + "<table><tr><td>menu</td><td>" * 50
        + f"{story}" + "</td></tr></table>" * 50 + "</body></html>",
        "200,000 cells beside a layout cell": f"<html><body><table><tr><td>{story}</td>"
        + "<td>x</td>" * 200_000 + "</tr></table></body></html>",
        "unnamed blocks of links nested 200 deep": "<html><body><div><h1>Council agrees the "
        f"district plan</h1>{_body_text()}</div>"
        + "<div><p><a href='/x'>Yet another linked line, with its link, of the day</a></p>" * 200
        + "<p>" + "".join(f'<a href="/l/{i}">a linked line, {i}, of the day</a> '
                          for i in range(20_000)) + "</p>" + "</div>" * 200 + "</body></html>",
        "100k empty icons before words": f"<html><body>{story}<div>" + "".join(
            f"<i></i><span><img src='/i/{i}.png'></span>item {i} " for i in range(100_000))
        + "</div></body></html>",
        "code nested 200 deep, 100k comment spans": "<html><body><article><h1>Council agrees "
        "the district plan</h1><p>By Ana Ruiz, <time datetime='2024-05-02'>May 2, 2024</time>"
        f"</p>{_body_text()}</article>"
        + "<pre><code>" * 100 + "".join(f"<span class='hljs-comment'># note {i}</span>\n"
                                       for i in range(100_000)) + "</code></pre>" * 100
        + "</body></html>",
        "no h1, 200 wrappers read for the headline": "<html><head><title>Council agrees the "
        "district plan - The Ledger</title></head><body>" + "<div>Council " * 200
        + f"<b>Council agrees the district plan</b>{_body_text()}<p>{'word ' * 200_000}</p>"
        + "</div>" * 200 + "</body></html>",
    }
