"""One writer per store: an exclusive lock beside the store file, or a PostgreSQL advisory
lock held by a session of the store's server. Either ends with the process holding it, even
by kill -9 (the kernel drops the file lock; the server ends the session), so a crashed crawl
never blocks the next one."""

from __future__ import annotations

import fcntl
import os
import socket
from pathlib import Path
from typing import Any, ClassVar

from pipelines.databases import Database, StoreError, StoreLocation, connect

# The advisory lock key of "the store's writer" in a PostgreSQL database.
_WRITER_LOCK_KEY = 0x436F_7079_6465_736C


class StoreLock:
    """One writer per store, held until release() or the process ends."""

    _held: ClassVar[dict[str, StoreLock]] = {}  # per process: a crawl's stages share its lock

    def __init__(self, key: str, handle: Any) -> None:
        self.key = key
        self._handle = handle  # the lock file, or the database session holding the lock
        self._users = 1

    @classmethod
    def acquire(cls, store: StoreLocation | str | Path) -> StoreLock:
        """Take the store's lock, or join this process's own hold of it.

        Raises:
            StoreError: when another process holds it, or the lock cannot be taken.
        """
        location = StoreLocation.of(store)
        key = (str(Path(f"{location.target}.lock").resolve()) if location.is_file
               else location.target)
        held = cls._held.get(key)
        if held is not None:
            held._users += 1
            return held
        handle = _lock_file(location) if location.is_file else _lock_database(location)
        lock = cls._held[key] = cls(key, handle)
        return lock

    def release(self) -> None:
        self._users -= 1
        if self._users == 0:
            self._held.pop(self.key, None)
            if not isinstance(self._handle, Database):
                fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()  # a database session's advisory lock ends with it


def _lock_file(location: StoreLocation) -> Any:
    store, path = location.target, Path(f"{location.target}.lock").resolve()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 -- held until release()
        except OSError:
            if not path.is_file():
                raise
            handle = open(path, encoding="utf-8")  # noqa: SIM115 -- locks all the same
    except OSError as exc:
        raise StoreError(f"cannot lock {store} for this crawl ({exc}); point "
                         "STORAGE_SQLITE_PATH at a writable place") from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        owner = handle.read().strip() or "?"
        handle.close()
        raise StoreError(f"{store} is in use by another crawl (pid {owner}); wait for it to "
                         "finish, or crawl into another store (STORAGE_SQLITE_PATH)") from None
    if handle.writable():  # says who holds it
        handle.truncate(0)
        handle.write(str(os.getpid()))
        handle.flush()
    return handle


def _lock_database(location: StoreLocation) -> Any:
    """A session of the store's server that holds the writer lock."""
    holder = f"copydesk writer pid {os.getpid()} on {socket.gethostname()}"
    db = connect(location, lock_timeout=5, application=holder)
    row = db.execute("SELECT pg_try_advisory_lock(?)", (_WRITER_LOCK_KEY,)).fetchone()
    if row[0]:
        return db
    owner = db.execute(
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
        " WHERE l.locktype = 'advisory' AND l.granted AND l.database ="
        " (SELECT oid FROM pg_database WHERE datname = current_database())"
        " AND (l.classid::bigint << 32) + l.objid::bigint = ?", (_WRITER_LOCK_KEY,)).fetchone()
    db.close()
    raise StoreError(f"{location} is in use by another crawl or desk "
                     f"({owner[0] if owner else 'another session'}); wait for it to finish, "
                     "or point STORE_URL at another database")
