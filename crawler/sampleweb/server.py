"""A forward proxy on 127.0.0.1 that serves a static web of many hosts from one directory.

The directory holds `sites/<host>/<path>` and `web.json` (`hosts`, `redirects`,
`content_types`), the format of ../shared/bench/synd-dev. A crawler started with
`http_proxy=http://127.0.0.1:PORT` fetches `http://<host>/...` URLs unchanged; nothing
leaves the machine: unknown hosts get 502, CONNECT gets 405.

    python -m crawler.sampleweb.server DIR [--port N] [--log FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

_TYPES_BY_SUFFIX = {".xml": "application/xml", ".rss": "application/rss+xml", ".txt": "text/plain"}


class StaticWeb:
    """The files and redirects of a sample web, looked up by URL."""

    def __init__(self, root: Path, validators: bool = True) -> None:
        self.validators = validators  # send ETags (False: a server that never does)
        try:
            meta = json.loads((root / "web.json").read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"{root} is not a sample web (web.json: {exc})") from None
        self.root = root
        self.hosts = set(meta["hosts"])
        self.redirects: dict[str, str] = meta.get("redirects", {})
        self.content_types: dict[str, str] = meta.get("content_types", {})

    def resolve(self, url: str, if_none_match: str | None = None) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body) for a GET of `url`; 304 when `if_none_match` is the
        file's current ETag."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if host not in self.hosts:
            return 502, {"Content-Type": "text/plain"}, b"unknown host\n"
        bare = f"http://{host}{parts.path or '/'}"
        target = self.redirects.get(url) or self.redirects.get(bare)
        if target:
            return 302, {"Location": target}, b""
        relative = (parts.path or "/").lstrip("/")
        file = self.root / "sites" / host / relative
        if not relative or relative.endswith("/"):
            file = file / "index.html"
        try:
            resolved = file.resolve(strict=True)
            resolved.relative_to((self.root / "sites" / host).resolve())
            body = resolved.read_bytes()
        except (OSError, ValueError):
            return 404, {"Content-Type": "text/plain"}, b"not found\n"
        content_type = self.content_types.get(bare) or _TYPES_BY_SUFFIX.get(
            file.suffix, "text/html; charset=utf-8"
        )
        if not self.validators:
            return 200, {"Content-Type": content_type}, body
        etag = '"' + hashlib.blake2b(body, digest_size=8).hexdigest() + '"'
        if if_none_match == etag:
            return 304, {"ETag": etag}, b""
        return 200, {"Content-Type": content_type, "ETag": etag}, body


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _ProxyServer

    def do_GET(self) -> None:  # noqa: N802 -- http.server's naming
        self._answer(with_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(with_body=False)

    def do_CONNECT(self) -> None:  # noqa: N802
        self._send(405, {"Content-Type": "text/plain"}, b"CONNECT not supported\n", True)

    do_POST = do_PUT = do_DELETE = do_CONNECT

    def _answer(self, with_body: bool) -> None:
        url = self.path
        if not url.startswith("http://"):
            url = f"http://{self.headers.get('Host', '')}{self.path}"
        start = time.perf_counter()
        status, headers, body = self.server.web.resolve(url, self.headers.get("If-None-Match"))
        self._send(status, headers, body, with_body)
        self.server.record(self.command, url, status, len(body), time.perf_counter() - start)

    def _send(self, status: int, headers: dict[str, str], body: bytes, with_body: bool) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # requests are recorded as JSON lines instead


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, web: StaticWeb, port: int, log: IO[str] | None, max_requests: int) -> None:
        super().__init__(("127.0.0.1", port), _ProxyHandler)
        self.web = web
        self.log = log
        self.requests = 0
        self.max_requests = max_requests
        self._lock = threading.Lock()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that goes away mid-request (a crawl stopped, a worker killed) is normal
        # here: no traceback for it; anything else is reported as socketserver does.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def record(self, method: str, url: str, status: int, size: int, seconds: float) -> None:
        with self._lock:
            self.requests += 1
            if self.log is not None:
                line = {"ts": round(time.time(), 3), "method": method, "url": url,
                        "status": status, "bytes": size, "ms": round(seconds * 1000, 2)}
                self.log.write(json.dumps(line) + "\n")
                self.log.flush()
            if self.requests >= self.max_requests:
                threading.Thread(target=self.shutdown, daemon=True).start()


class SampleWebServer:
    """Serve a sample web in a background thread: `with SampleWebServer(dir) as proxy:`."""

    def __init__(self, root: Path, port: int = 0, log: IO[str] | None = None,
                 max_requests: int = 200_000, validators: bool = True) -> None:
        self._server = _ProxyServer(StaticWeb(root, validators), port, log, max_requests)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def requests(self) -> int:
        return self._server.requests

    def __enter__(self) -> SampleWebServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve a sample web as a forward proxy.")
    parser.add_argument("web", type=Path, help="directory with web.json and sites/")
    parser.add_argument("--port", type=int, default=8899)
    parser.add_argument("--log", type=argparse.FileType("a"), help="JSON Lines request log")
    parser.add_argument("--seconds", type=float, default=3600, help="stop after this long")
    args = parser.parse_args()
    try:
        server = SampleWebServer(args.web, args.port, args.log)
    except (ValueError, OSError) as exc:
        parser.exit(2, f"error: {exc}\n")
    with server:
        print(f"serving {args.web} as proxy {server.proxy_url} for {args.seconds:.0f}s", flush=True)
        try:
            time.sleep(args.seconds)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
