"""One crawl per store: an exclusive lock beside the store file."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import Any, ClassVar

from pipelines.storage import StoreError


class StoreLock:
    """One crawl per store: an exclusive lock on `<store>.lock`, held until release() or the
    process ends (even by kill -9, so a crashed crawl never blocks the next one)."""

    _held: ClassVar[dict[str, StoreLock]] = {}  # per process: a crawl's stages share its lock

    def __init__(self, path: Path, handle: Any) -> None:
        self.path = path
        self._handle = handle
        self._users = 1

    @classmethod
    def acquire(cls, store: str | Path) -> StoreLock:
        """Take the store's lock, or join this process's own hold of it.

        Raises:
            StoreError: when another process holds it.
        """
        path = Path(f"{store}.lock").resolve()
        held = cls._held.get(str(path))
        if held is not None:
            held._users += 1
            return held
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
        lock = cls._held[str(path)] = cls(path, handle)
        return lock

    def release(self) -> None:
        self._users -= 1
        if self._users == 0:
            self._held.pop(str(self.path), None)
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
