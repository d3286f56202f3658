"""Throwaway real servers on free loopback ports, for the tests and the benchmarks:
redis-server, and PostgreSQL in a new data directory. The caller stops them (`stop()`)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class ServerUnavailable(Exception):
    """The server is not installed here or did not start; the message says which."""


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str  # redis://127.0.0.1:PORT, or postgresql://copydesk@127.0.0.1:PORT (no database)
    version: str
    workdir: Path | None = field(default=None)  # removed by stop(), when the server made it
    #: PostgreSQL's fast shutdown is SIGINT (SIGTERM waits for every client to leave).
    stop_signal: int = signal.SIGTERM

    def stop(self) -> None:
        self.process.send_signal(self.stop_signal)
        self.process.wait(timeout=30)
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_redis(workdir: Path) -> Server:
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).is_file():
        raise ServerUnavailable("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir), "--protected-mode", "yes"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    import redis

    client = redis.Redis(port=port)
    try:
        for _ in range(200):
            try:
                version = client.info("server")["redis_version"]
                return Server(process, f"redis://127.0.0.1:{port}", f"redis-server {version}")
            except redis.ConnectionError:
                time.sleep(0.05)
    finally:
        client.close()
    process.kill()
    raise ServerUnavailable(f"redis-server did not start on port {port}")


def _postgres_bindir() -> Path | None:
    found = [shutil.which("initdb"), *sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                                             reverse=True)]
    return next((Path(f).resolve().parent for f in found if f and Path(f).is_file()), None)


def start_postgres() -> Server:
    """A new cluster (trust authentication for user copydesk, fsync off: a test server) in a
    temporary directory, serving on 127.0.0.1 only."""
    bindir = _postgres_bindir()
    if bindir is None:
        raise ServerUnavailable("PostgreSQL is not installed (apt-get install postgresql)")
    import tempfile

    workdir = Path(tempfile.mkdtemp(prefix="copydesk-pg-"))
    as_user: dict[str, Any] = {}
    if os.geteuid() == 0:  # initdb and postgres refuse root: run them as Debian's postgres user
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            raise ServerUnavailable("running as root, and no postgres user to run PostgreSQL as") \
                from None
        os.chown(workdir, account.pw_uid, account.pw_gid)
        as_user = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    data, port = workdir / "data", free_port()
    subprocess.run([bindir / "initdb", "-D", data, "-U", "copydesk", "--auth=trust",
                    "--encoding=UTF8", "--no-locale"], check=True, capture_output=True, **as_user)
    with open(workdir / "server.log", "w") as log:
        process = subprocess.Popen(
            [bindir / "postgres", "-D", data, "-p", str(port), "-k", workdir,
             "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
             "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
            stdout=log, stderr=subprocess.STDOUT, **as_user)
    server = Server(process, f"postgresql://copydesk@127.0.0.1:{port}", "", workdir,
                    signal.SIGINT)
    import psycopg

    for _ in range(300):
        try:
            with psycopg.connect(f"{server.url}/postgres", connect_timeout=1) as session:
                server.version = "PostgreSQL " + str(session.execute("SHOW server_version")
                                                     .fetchone()[0]).split()[0]
            return server
        except psycopg.OperationalError:
            time.sleep(0.1)
    log_tail = (workdir / "server.log").read_text()[-500:]
    server.stop()
    raise ServerUnavailable(f"PostgreSQL did not start on port {port}: {log_tail}")


def new_database(server_url: str, name: str) -> str:
    """Create an empty database on a PostgreSQL server; its URL."""
    import psycopg

    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    return f"{server_url}/{name}"
