"""One process against crawl workers + one story desk, on a generated web, with real Redis.

    python bench/scale.py [--web ../shared/bench/synd-dev] [--copies 9] [--workers 2]
                          [--kill-at 0.3] [--index-pages 100000] [--skip-kills] [--rounds 1]
                          [--store sqlite|postgresql] [--keep DIR]

- single: `scrapy crawl news` of the generated web (bench/bigweb.py; 9 copies of synd-dev are
  ~11,100 pages) into one store, twice: how far two single runs' stories differ (pages
  arrive in another order each time) is the reference for the scaled run's.
- scaled: a redis-server of its own on loopback, `copydesk desk` and `--workers` workers
  (`scrapy crawl news -s REDIS_URL=...`) on the same web, sharing a store file, or with
  `--store postgresql` a database of a PostgreSQL server of its own: story grouping (pairwise F1
  between the two stores' stories) and canonical URLs compared with the single run, GETs
  per URL counted at the web's server (robots.txt aside: each worker reads a site's rules),
  wall time from the first process's start to the desk's last article. `speedup` is the
  single run's wall time over the scaled run's; `speedup_vs_one_worker` the wall time of
  the same setup with one worker (and the desk) over the scaled run's. With `--rounds N`
  the two setups alternate N times: the medians (and each round's ratio, in
  `speedup_vs_one_worker_rounds`); stories and duplicate fetches are checked in every round
  (the worst is reported).
- worker kill: the same, one worker killed with SIGKILL once `--kill-at` of the single run's
  pages are fetched, another started in its place; articles of the single run missing.
- desk kill: the same, the desk killed with SIGKILL once `--kill-at` of the articles are
  stored and started again; articles missing.
- index: a store of `--index-pages` synthetic indexed pages (bench/speed.py), left to settle
  (written back to disk; PostgreSQL vacuumed), then loaded as the desk loads it, three
  times: the median load's seconds (per million) and the resident memory it adds per page;
  from an SQLite file, and (`*_postgresql`) from PostgreSQL when its server can be started
  here.

Last line JSON: pair_f1_vs_single, canonical_agreement, duplicate_fetches, speedup,
speedup_vs_one_worker, lost_after_worker_kill, lost_after_desk_kill,
ram_kb_per_indexed_page, startup_s_per_million, their *_postgresql twins, store, servers,
and the figures behind them.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from itertools import combinations
from pathlib import Path
from typing import Any

from bigweb import build_big_web
from crawl_runner import ROOT

from crawler.sampleweb.server import SampleWebServer
from pipelines.databases import DatabaseError, StoreError, StoreLocation
from pipelines.storage import open_store
from tests.servers import Server, ServerUnavailable, new_database, start_postgres, start_redis


def scrapy(*args: str) -> list[str]:
    return [sys.executable, "-m", "scrapy.cmdline", *args]


class Run:
    """The processes of one scaled run, logging to files in `workdir`."""

    def __init__(self, web: Path, workdir: Path, redis_url: str, proxy_url: str,
                 store: str) -> None:
        self.web, self.workdir, self.redis_url, self.proxy_url = web, workdir, redis_url, proxy_url
        self.store = store  # a file path or a PostgreSQL URL (STORE_URL takes either)
        self.workers: list[subprocess.Popen[bytes]] = []

    def _start(self, command: list[str], name: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
        with open(self.workdir / f"{name}.log", "ab") as log:
            return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)

    def desk(self) -> subprocess.Popen[bytes]:
        return self._start(scrapy("desk", "-s", f"REDIS_URL={self.redis_url}",
                                  "-s", f"STORE_URL={self.store}",
                                  "--exit-when-idle", "20"), "desk", dict(os.environ))

    def worker(self, name: str) -> subprocess.Popen[bytes]:
        process = self._start(
            scrapy("crawl", "news", "-a", f"start_file={self.web / 'start_urls.txt'}",
                   "-s", f"REDIS_URL={self.redis_url}", "-s", f"STORE_URL={self.store}",
                   "-s", "LOG_LEVEL=INFO", "-s", "FRONTIER_LEASE_SECONDS=10",
                   "-s", f"CRAWL_STATS_FILE={self.workdir / f'{name}.json'}"),
            name, {**os.environ, "http_proxy": self.proxy_url, "no_proxy": ""})
        self.workers.append(process)
        return process


def stored(store: str | Path) -> dict[str, tuple[str, str]]:
    """URL -> (story id, the story's canonical URL)."""
    db = open_store(store)
    try:
        return {url: (story, canonical) for url, story, canonical in db.execute(
            "SELECT a.url, a.story_id, s.canonical_url FROM articles a"
            " JOIN stories s ON s.story_id = a.story_id")}
    finally:
        db.close()


def article_count(store: str) -> int:
    if not StoreLocation.parse(store).exists():
        return 0
    try:
        db = open_store(store, lock_timeout=5)
    except StoreError:
        return 0
    try:
        return int(db.execute("SELECT COUNT(*) FROM articles").fetchone()[0])
    except DatabaseError:
        return 0
    finally:
        db.close()


def compare(single: dict[str, tuple[str, str]], other: dict[str, tuple[str, str]]) -> dict[str, float]:
    """Pairwise F1 of the story grouping over the pages both stored, and the share of those
    pages whose story has the same canonical URL."""
    common = sorted(set(single) & set(other))

    def pairs(assigned: dict[str, tuple[str, str]]) -> set[tuple[str, str]]:
        groups: dict[str, list[str]] = {}
        for url in common:
            groups.setdefault(assigned[url][0], []).append(url)
        return {pair for urls in groups.values() for pair in combinations(sorted(urls), 2)}

    a, b = pairs(single), pairs(other)
    both = len(a & b)
    precision = both / len(b) if b else 1.0
    recall = both / len(a) if a else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    same_canonical = sum(single[u][1] == other[u][1] for u in common)
    return {"pair_f1": round(f1, 4), "canonical_agreement": round(same_canonical / max(len(common), 1), 4),
            "only_single": len(set(single) - set(other)), "only_other": len(set(other) - set(single))}


def gets(log: Path) -> Counter[str]:
    return Counter(e["url"] for e in map(json.loads, log.read_text().splitlines())
                   if e["method"] == "GET" and not e["url"].endswith("/robots.txt"))


def cpu_ms_per_page(stats_files: list[Path]) -> float:
    """CPU milliseconds per fetched page over the crawls of these stats files."""
    stats = [json.loads(f.read_text()) for f in stats_files]
    pages = sum(int(s.get("response_received_count", 0)) for s in stats)
    return round(1000 * sum(float(s["cpu_seconds"]) for s in stats) / max(pages, 1), 2)


def wait_for(condition: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.5)


def scaled_run(web: Path, workdir: Path, redis_url: str, store: str, workers: int,
               kill: str | None, kill_at: int) -> dict[str, Any]:
    """A desk and `workers` workers; `kill` ("worker" or "desk") is killed with SIGKILL once
    `kill_at` GETs were answered (worker) or articles stored (desk), then replaced."""
    import redis

    redis.Redis.from_url(redis_url).flushall()
    workdir.mkdir(parents=True)
    log_path = workdir / "proxy.jsonl"
    with open(log_path, "w") as log, SampleWebServer(web, log=log, max_requests=10**7) as server:
        run = Run(web, workdir, redis_url, server.proxy_url, store)
        started = time.perf_counter()
        desk = run.desk()
        for number in range(workers):
            run.worker(f"w{number}")
        if kill == "worker":
            wait_for(lambda: len(log_path.read_bytes().splitlines()) >= kill_at, 1800)
            os.kill(run.workers[0].pid, signal.SIGKILL)
            run.workers[0].wait()
            run.worker("replacement")
        elif kill == "desk":
            wait_for(lambda: article_count(run.store) >= kill_at, 1800)
            os.kill(desk.pid, signal.SIGKILL)
            desk.wait()
            desk = run.desk()
        for process in run.workers:
            process.wait(timeout=3600)
        desk.wait(timeout=3600)
        wall = time.perf_counter() - started - 20  # the desk waits 20 s idle before it exits
    return {"wall_s": wall, "gets": gets(log_path), "stored": stored(run.store),
            "exit_codes": [p.returncode for p in run.workers] + [desk.returncode]}


def index_figures(pages: int, store: str, label: str = "") -> dict[str, float]:
    """Load a store of `pages` synthetic indexed pages as the desk does: seconds, and the
    resident memory the loaded index adds per page (the median load of three). `label`
    suffixes the figures' names."""
    from speed import synthetic_store

    synthetic_store(store, pages)
    _at_rest(store)
    probe = (
        "import resource, sys, time\n"
        "from pipelines.story_desk import open_index, load_index\n"
        "from pipelines.dedup import DedupOptions\n"
        "import gc\n"
        "def rss():\n"
        "    return int(open('/proc/self/statm').read().split()[1]) * resource.getpagesize()\n"
        "opened = open_index(sys.argv[1], DedupOptions(), 0)\n"
        "gc.collect(); before = rss(); start = time.perf_counter()\n"
        "load_index(opened)\n"
        "seconds = time.perf_counter() - start\n"
        "gc.collect(); print(seconds, rss() - before, len(opened.index))\n")
    # The median of three loads, each in a fresh process: on a shared machine one load
    # varies by a quarter from the next.
    loads = sorted(
        (float(out[0]), int(out[1]), int(out[2])) for out in (
            subprocess.run([sys.executable, "-c", probe, store], cwd=ROOT, check=True,
                           capture_output=True, text=True, timeout=3600).stdout.split()
            for _ in range(3)))
    seconds, added, loaded = loads[1]
    return {f"index_pages{label}": loaded, f"index_load_s{label}": round(seconds, 2),
            f"startup_s_per_million{label}": round(seconds * 1e6 / loaded, 1),
            f"ram_kb_per_indexed_page{label}": round(added / loaded / 1024, 2)}


def _at_rest(store: str) -> None:
    """Let the store just written settle before it is timed, as a store a desk restarts on
    has: its pages on disk (not written back during the loads), and for PostgreSQL vacuumed
    and analyzed (not by an autovacuum that starts during them)."""
    if store.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(store, autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE")
            connection.execute("CHECKPOINT")
    os.sync()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--web", type=Path, default=ROOT.parent / "shared/bench/synd-dev")
    parser.add_argument("--copies", type=int, default=9)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--kill-at", type=float, default=0.3,
                        help="share of the run done when a worker or the desk is killed")
    parser.add_argument("--index-pages", type=int, default=100_000)
    parser.add_argument("--skip-kills", action="store_true", help="no kill runs")
    parser.add_argument("--rounds", type=int, default=1,
                        help="times the scaled and the one-worker setups run, alternated")
    parser.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite",
                        help="the scaled runs' store: a file, or a PostgreSQL server's database")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="work in DIR (must not exist) and keep the stores and logs")
    args = parser.parse_args()
    if min(args.copies, args.workers, args.index_pages, args.rounds) < 1 or not 0 < args.kill_at < 1:
        parser.error("--copies, --workers, --index-pages and --rounds must be 1 or more, "
                     "--kill-at in (0, 1)")
    if not (args.web / "web.json").is_file():
        parser.error(f"{args.web} is not a sample web (no web.json)")
    if args.keep is not None and args.keep.exists():
        parser.error(f"--keep {args.keep}: already exists")
    with tempfile.TemporaryDirectory(prefix="copydesk-scale-") as tmp:
        workdir = Path(tmp) if args.keep is None else args.keep
        web = build_big_web(args.web, workdir / "web", args.copies)
        servers: list[Server] = []
        try:
            servers.append(start_redis(workdir))
            postgres = _postgres(args.store == "postgresql")
            servers += [postgres] if postgres else []
            results = run_all(args, web, workdir, f"{servers[0].url}/0", postgres)
            results.update(index_figures(args.index_pages, str(workdir / "index.db")))
            if postgres is not None:
                results.update(index_figures(args.index_pages, new_database(postgres.url, "index"),
                                             label="_postgresql"))
        except ServerUnavailable as exc:
            sys.exit(f"error: {exc}")
        finally:
            for server in servers:
                server.stop()
    results["servers"] = [server.version for server in servers]
    for key, value in results.items():
        print(f"{key}: {value}")
    print(json.dumps(results))


def _postgres(required: bool) -> Server | None:
    """A PostgreSQL server of the bench's own; None when it cannot start and is not required."""
    try:
        return start_postgres()
    except ServerUnavailable as exc:
        if required:
            raise
        print(f"note: no PostgreSQL figures: {exc}", file=sys.stderr)
        return None


def run_all(args: argparse.Namespace, web: Path, workdir: Path, redis_url: str,
            postgres: Server | None) -> dict[str, Any]:
    def new_store(name: str) -> str:
        if args.store == "postgresql" and postgres is not None:
            return new_database(postgres.url, name.replace("-", "_"))
        return str(workdir / name / "store.db")

    single_dir = workdir / "single"
    single_dir.mkdir()
    log_path = single_dir / "proxy.jsonl"
    with open(log_path, "w") as log, SampleWebServer(web, log=log, max_requests=10**7) as server:
        started = time.perf_counter()
        subprocess.run(scrapy("crawl", "news", "-a", f"start_file={web / 'start_urls.txt'}",
                              "-s", f"STORAGE_SQLITE_PATH={single_dir / 'store.db'}",
                              "-s", f"CRAWL_STATS_FILE={single_dir / 'stats.json'}",
                              "-s", "LOG_LEVEL=WARNING"),
                       cwd=ROOT, check=True, timeout=7200,
                       env={**os.environ, "http_proxy": server.proxy_url, "no_proxy": ""})
        single_wall = time.perf_counter() - started
    single = stored(single_dir / "store.db")
    single_gets = gets(log_path)
    # Stories do not depend on the order pages arrive in: a second single run (another
    # order) checks it, and is the reference for the scaled run.
    again_dir = workdir / "single-again"
    again_dir.mkdir()
    with SampleWebServer(web, max_requests=10**7) as server:
        subprocess.run(scrapy("crawl", "news", "-a", f"start_file={web / 'start_urls.txt'}",
                              "-s", f"STORAGE_SQLITE_PATH={again_dir / 'store.db'}",
                              "-s", "LOG_LEVEL=WARNING"),
                       cwd=ROOT, check=True, timeout=7200,
                       env={**os.environ, "http_proxy": server.proxy_url, "no_proxy": ""})
    reference = compare(single, stored(again_dir / "store.db"))
    print(f"single: {sum(single_gets.values())} GETs, {len(single)} articles in {single_wall:.0f} s",
          file=sys.stderr)

    # The scaled setup and the one-worker setup alternate, `--rounds` times: on a shared
    # machine one run's speed differs from the next, and the median ratio holds.
    rounds = []
    for number in range(args.rounds):
        name = "scaled" if number == 0 else f"scaled-{number}"
        scaled = scaled_run(web, workdir / name, redis_url, new_store(name), args.workers,
                            None, 0)
        name = "one-worker" if number == 0 else f"one-worker-{number}"
        one_worker = scaled_run(web, workdir / name, redis_url, new_store(name), 1, None, 0)
        rounds.append((scaled, one_worker))
    scaled, one_worker = rounds[0]
    agreement = min((compare(single, s["stored"]) for s, _ in rounds),
                    key=lambda a: (a["pair_f1"], a["canonical_agreement"]))
    scaled_wall = statistics.median(s["wall_s"] for s, _ in rounds)
    ratios = [o["wall_s"] / s["wall_s"] for s, o in rounds]
    results: dict[str, Any] = {
        "pages": sum(single_gets.values()), "articles_single": len(single),
        "articles_scaled": len(scaled["stored"]), "workers": args.workers,
        "pair_f1_vs_single": agreement["pair_f1"],
        "canonical_agreement": agreement["canonical_agreement"],
        "pair_f1_single_vs_single": reference["pair_f1"],
        "canonical_agreement_single_vs_single": reference["canonical_agreement"],
        "articles_only_single": agreement["only_single"],
        "articles_only_scaled": agreement["only_other"],
        "duplicate_fetches": max(sum(n - 1 for n in s["gets"].values() if n > 1)
                                 for s, _ in rounds),
        "single_wall_s": round(single_wall, 1), "scaled_wall_s": round(scaled_wall, 1),
        "speedup": round(single_wall / scaled_wall, 3),
        "one_worker_wall_s": round(statistics.median(o["wall_s"] for _, o in rounds), 1),
        "speedup_vs_one_worker": round(statistics.median(ratios), 3),
        "speedup_vs_one_worker_rounds": [round(r, 3) for r in ratios],
        "cpu_ms_per_page_single": cpu_ms_per_page([single_dir / "stats.json"]),
        "cpu_ms_per_page_workers": cpu_ms_per_page(sorted((workdir / "scaled").glob("w*.json"))),
        "exit_codes": scaled["exit_codes"], "store": args.store,
    }
    if not args.skip_kills:
        at_pages = int(args.kill_at * sum(single_gets.values()))
        killed = scaled_run(web, workdir / "worker-kill", redis_url, new_store("worker-kill"),
                            args.workers, "worker", at_pages)
        results["lost_after_worker_kill"] = len(set(single) - set(killed["stored"]))
        results["refetched_after_worker_kill"] = sum(n - 1 for n in killed["gets"].values() if n > 1)
        at_articles = int(args.kill_at * len(single))
        killed = scaled_run(web, workdir / "desk-kill", redis_url, new_store("desk-kill"),
                            args.workers, "desk", at_articles)
        results["lost_after_desk_kill"] = len(set(single) - set(killed["stored"]))
        results["desk_kill_pair_f1"] = compare(single, killed["stored"])["pair_f1"]
    return results


if __name__ == "__main__":
    main()
