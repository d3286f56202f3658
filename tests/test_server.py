from __future__ import annotations

import http.client
import json
from pathlib import Path

import pytest

from crawler.sampleweb.server import SampleWebServer, StaticWeb


def fetch(server: SampleWebServer, method: str, target: str) -> tuple[int, dict[str, str], bytes]:
    host, port = server.proxy_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request(method, target)
    response = connection.getresponse()
    result = response.status, dict(response.getheaders()), response.read()
    connection.close()
    return result


def test_proxy_serves_the_sample_web(proxy: SampleWebServer) -> None:
    status, headers, body = fetch(proxy, "GET", "http://newsdigest-hub.test/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b"Latest news" in body


@pytest.mark.parametrize(("method", "target", "status"), [
    ("GET", "http://example.com/", 502),  # nothing leaves the machine
    ("GET", "http://newsdigest-hub.test/no-such-page/", 404),
    ("GET", "http://newsdigest-hub.test/../../etc/passwd", 404),
    ("GET", "http://newsdigest-hub.test/loop/a", 302),
    ("CONNECT", "newsdigest-hub.test:443", 405),
    ("POST", "http://newsdigest-hub.test/", 405),
])
def test_proxy_rules(proxy: SampleWebServer, method: str, target: str, status: int) -> None:
    assert fetch(proxy, method, target)[0] == status


def test_proxy_logs_requests_as_json_lines(sample_web: Path, tmp_path: Path) -> None:
    with open(tmp_path / "log.jsonl", "w") as log, SampleWebServer(sample_web, log=log) as server:
        fetch(server, "GET", "http://newsdigest-hub.test/robots.txt")
    (line,) = (tmp_path / "log.jsonl").read_text().splitlines()
    entry = json.loads(line)
    assert entry["url"] == "http://newsdigest-hub.test/robots.txt" and entry["status"] == 200


def test_a_directory_without_web_json_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="is not a sample web"):
        StaticWeb(tmp_path)
