"""A real `scrapy crawl news` of a sample web, served on 127.0.0.1, for the benchmarks."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.sampleweb.server import SampleWebServer  # noqa: E402


def crawl_web(web: Path, store: Path, proxy_log: Path, timeout: float, *settings: str,
              validators: bool = True) -> float:
    """Crawl `web` from its start_urls.txt into `store`, logging the proxy's requests to
    `proxy_log`; returns the crawl's wall seconds. `settings` are extra NAME=VALUE pairs;
    `validators=False` serves the web without ETags."""
    with open(proxy_log, "w") as log, SampleWebServer(web, log=log, validators=validators) as server:
        command = [sys.executable, "-m", "scrapy.cmdline", "crawl", "news",
                   "-a", f"start_file={web / 'start_urls.txt'}",
                   "-s", f"STORAGE_SQLITE_PATH={store}", "-s", "LOG_LEVEL=WARNING"]
        for setting in settings:
            command += ["-s", setting]
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, timeout=timeout,
                       env={**os.environ, "http_proxy": server.proxy_url, "no_proxy": ""})
        return time.perf_counter() - start
