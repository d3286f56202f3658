"""The two databases a store can live in: an SQLite file (the default: nothing to run, one
machine) or a PostgreSQL database (`STORE_URL=postgresql://...`: crawl workers and the story
desk on several machines share it).

The store's code writes one SQL dialect, the ground both engines share: `?` placeholders,
upserts with ON CONFLICT, no engine-specific functions. A `Database` runs it on its engine,
creates the schema with the engine's types, and turns the engine's errors into
DatabaseError, so the code above it never imports a driver.
"""

from __future__ import annotations

import itertools
import queue
import re
import sqlite3
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

_POSTGRES_SCHEMES = ("postgresql", "postgres")


class StoreError(Exception):
    """The store cannot be used; the message names it and what to do."""


class DatabaseError(Exception):
    """A statement failed. `busy`: another process holds a lock; trying again later may work."""

    def __init__(self, message: str, busy: bool = False) -> None:
        super().__init__(message)
        self.busy = busy


@dataclass(frozen=True)
class StoreLocation:
    """Where a store lives: `engine` "sqlite" with a file path, or "postgresql" with a URL."""

    engine: str
    target: str

    @classmethod
    def parse(cls, value: str | Path) -> StoreLocation:
        """A file path, `sqlite:///PATH` or `postgresql://USER@HOST:PORT/DATABASE`.

        Raises:
            StoreError: for another URL scheme, or a URL without a path.
        """
        text = str(value)
        scheme = text.split("://", 1)[0].lower() if "://" in text else ""
        if not scheme:
            return cls("sqlite", text)
        if scheme == "sqlite":
            path = text.split("://", 1)[1].removeprefix("/")  # sqlite:///rel, sqlite:////abs
            if not path:
                raise StoreError(f"{text} names no file; write sqlite:///PATH")
            return cls("sqlite", path)
        if scheme in _POSTGRES_SCHEMES:
            return cls("postgresql", text)
        raise StoreError(f"unknown store {text!r}: STORE_URL takes sqlite:///PATH or "
                         "postgresql://USER@HOST:PORT/DATABASE")

    @classmethod
    def of(cls, store: StoreLocation | str | Path) -> StoreLocation:
        """A StoreLocation as given, or parsed from a path or URL (see parse)."""
        return store if isinstance(store, StoreLocation) else cls.parse(store)

    @property
    def is_file(self) -> bool:
        return self.engine == "sqlite"

    def exists(self) -> bool:
        """A store file exists; a server's store is there as far as can be told unconnected."""
        return Path(self.target).is_file() if self.is_file else True

    def __str__(self) -> str:
        if self.is_file:
            return self.target
        parts = urlsplit(self.target)
        if parts.password is None:
            return self.target
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return parts._replace(netloc=netloc).geturl()


class Database:
    """A connection to the store's database, in the store's SQL dialect (see the module)."""

    engine = ""
    #: The expression that orders a table's rows as they were first inserted.
    insertion_order = "rowid"

    def __init__(self, location: StoreLocation, connection: Any) -> None:
        self.location = location
        self.connection = connection
        self._in_transaction = False

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement; the returned cursor iterates its rows."""
        raise NotImplementedError

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        raise NotImplementedError

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Any]:
        """The rows of a query too large to hold at once, read ahead in batches by a helper
        thread, so the database's work overlaps the caller's work on the rows (the drivers
        let go of the GIL while they wait). Run no other statement on this connection until
        the rows are all read or the iterator is closed."""
        return _read_ahead(lambda: self._batches(sql, params))

    def _batches(self, sql: str, params: Sequence[Any]) -> Generator[list[Any], None, None]:
        cursor = self.execute(sql, params)
        while rows := cursor.fetchmany(_STREAM_BATCH):
            yield rows

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A context manager: the statements in it are committed together or not at all. A
        transaction opened inside another is part of it: committed with the outer one (so
        several writes can share one commit)."""
        if self._in_transaction:
            yield
            return
        self._in_transaction = True
        try:
            with self._transaction():
                yield
        finally:
            self._in_transaction = False

    def _transaction(self) -> Any:
        raise NotImplementedError

    def create_schema(self, script: str) -> None:
        """Create the tables and indexes of `script` (CREATE ... IF NOT EXISTS statements)."""
        raise NotImplementedError

    def columns(self, table: str) -> set[str]:
        raise NotImplementedError

    def add_column(self, table: str, name: str) -> None:
        self.execute(f"ALTER TABLE {table} ADD COLUMN {name}")

    def integrity_problems(self) -> list[str]:
        """Damage the engine finds in the store (empty when there is none)."""
        return []

    def close(self) -> None:
        self.connection.close()


class SQLiteDatabase(Database):
    engine = "sqlite"

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        try:
            cursor: sqlite3.Cursor = self.connection.execute(sql, params)
            return cursor
        except sqlite3.Error as exc:
            raise _sqlite_error(exc) from exc

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        try:
            self.connection.executemany(sql, rows)
        except sqlite3.Error as exc:
            raise _sqlite_error(exc) from exc

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self.execute("BEGIN IMMEDIATE")  # takes the write lock now: no deadlock on upgrade
        try:
            yield
        except BaseException:
            self._rollback()
            raise
        try:
            self.execute("COMMIT")
        except DatabaseError:
            self._rollback()
            raise

    def _rollback(self) -> None:
        if self.connection.in_transaction:  # SQLite may have rolled back on its own already
            try:
                self.connection.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # the error being raised says more

    def create_schema(self, script: str) -> None:
        try:
            self.connection.executescript(script)
        except sqlite3.Error as exc:
            raise _sqlite_error(exc) from exc

    def columns(self, table: str) -> set[str]:
        return {row[1] for row in self.execute(f"PRAGMA table_info({table})")}

    def integrity_problems(self) -> list[str]:
        problems = [row[0] for row in self.execute("PRAGMA quick_check(3)")]
        return [] if problems == ["ok"] else problems


def _sqlite_error(exc: sqlite3.Error) -> DatabaseError:
    code = getattr(exc, "sqlite_errorcode", None)
    return DatabaseError(str(exc), busy=code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED))


class PostgresDatabase(Database):
    engine = "postgresql"
    insertion_order = "seq"  # story_index.seq (an identity column): PostgreSQL has no rowid

    def __init__(self, location: StoreLocation, connection: Any) -> None:
        super().__init__(location, connection)
        self._statements: dict[str, str] = {}

    def _sql(self, sql: str) -> str:
        """`?` placeholders as psycopg's `%s` (and a literal % doubled)."""
        converted = self._statements.get(sql)
        if converted is None:
            converted = self._statements[sql] = sql.replace("%", "%%").replace("?", "%s")
        return converted

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        import psycopg

        try:
            return self.connection.execute(self._sql(sql), params)
        except psycopg.Error as exc:
            raise _postgres_error(exc) from exc

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        import psycopg

        if not rows:
            return
        try:
            with self.connection.cursor() as cursor:
                cursor.executemany(self._sql(sql), rows)
        except psycopg.Error as exc:
            raise _postgres_error(exc) from exc

    def _batches(self, sql: str, params: Sequence[Any]) -> Generator[list[Any], None, None]:
        import psycopg

        try:  # a server-side cursor: rows come in batches, binary (no hex-coded bytea)
            with self.connection.transaction(), \
                    self.connection.cursor(name=f"copydesk_{next(_cursor_numbers)}",
                                           binary=True) as cursor:
                cursor.execute(self._sql(sql), params)
                while rows := cursor.fetchmany(_STREAM_BATCH):
                    yield rows
        except psycopg.Error as exc:
            raise _postgres_error(exc) from exc

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        import psycopg

        try:
            with self.connection.transaction():
                yield
        except psycopg.Error as exc:
            raise _postgres_error(exc) from exc

    def create_schema(self, script: str) -> None:
        # Only what is missing: CREATE INDEX and ALTER TABLE lock their table even when the
        # index or column exists, and a store that workers open while the desk writes must
        # not queue behind, or deadlock with, the desk's transactions.
        statements = [st for st in _postgres_ddl(script) if not self._exists(st)]
        if not statements:
            return
        with self.transaction():
            # Two processes creating the same tables at once would collide: one at a time.
            self.execute("SELECT pg_advisory_xact_lock(?)", (_SCHEMA_LOCK_KEY,))
            for statement in statements:
                if not self._exists(statement):  # another process may have made it meanwhile
                    self.execute(statement)

    def _exists(self, statement: str) -> bool:
        """True when the table, index or column a DDL statement creates is there already."""
        created = _CREATED.match(statement)
        if created is None:
            return False
        if created.group("name"):
            row = self.execute("SELECT to_regclass(?) IS NOT NULL",
                               (created.group("name"),)).fetchone()
            return bool(row[0])
        return created.group("column") in self.columns(created.group("table"))

    def columns(self, table: str) -> set[str]:
        rows = self.execute("SELECT column_name FROM information_schema.columns"
                            " WHERE table_schema = current_schema() AND table_name = ?", (table,))
        return {row[0] for row in rows}

    def add_column(self, table: str, name: str) -> None:
        self.execute(f'ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {name} TEXT COLLATE "C"')


_cursor_numbers = itertools.count()
# Rows a stream reads at a time. Larger batches leave the process's heap larger after a big
# load (measured: 1,000 rows keep a 100,000-page index load at 1.9 KB a page; 20,000: 2.9).
_STREAM_BATCH = 1000
_READ_AHEAD_BATCHES = 4


def _read_ahead(batches: Callable[[], Generator[list[Any], None, None]]) -> Iterator[Any]:
    """The rows of `batches()`, which a helper thread reads up to a few batches ahead."""
    ready: queue.Queue[list[Any] | BaseException | None] = queue.Queue(_READ_AHEAD_BATCHES)
    stopping = threading.Event()

    def offer(item: list[Any] | BaseException | None) -> bool:
        while not stopping.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        source = batches()
        try:
            for batch in source:
                if not offer(batch):
                    return
            offer(None)
        except BaseException as exc:  # noqa: BLE001 -- raised again in the reader's thread
            offer(exc)
        finally:
            source.close()  # ends the statement (and its transaction) in this thread

    reader = threading.Thread(target=read, name="store-read-ahead", daemon=True)
    reader.start()
    try:
        while (item := ready.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield from item
    finally:
        stopping.set()
        reader.join()


def _postgres_error(exc: Exception) -> DatabaseError:
    # Deadlock, serialization failure, lock not available: the transaction was undone and
    # may be tried again.
    busy = getattr(exc, "sqlstate", None) in ("40P01", "40001", "55P03")
    return DatabaseError(first_line(exc), busy=busy)


def first_line(exc: Exception) -> str:
    """libpq's messages run over several lines (DETAIL, HINT): the first says what failed."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


# pg_advisory_xact_lock takes a 64-bit key; this one is "Copydesk schema" in ASCII's spirit.
_SCHEMA_LOCK_KEY = 0x436F_7079_6465_736B

# Column types as SQLite writes them, and their PostgreSQL equivalents. Text compares by
# code point in both (COLLATE "C"), so exports and listings sort the same way.
_POSTGRES_TYPES = (
    (r"\bINTEGER PRIMARY KEY\b", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
    (r"\bINTEGER\b", "BIGINT"),
    (r"\bREAL\b", "DOUBLE PRECISION"),
    (r"\bBLOB\b", "BYTEA"),
    (r"\bTEXT\b", 'TEXT COLLATE "C"'),
)


# What a schema statement creates: a table or an index (its name), or a column of a table.
_CREATED = re.compile(r"(?:CREATE (?:TABLE|INDEX) IF NOT EXISTS (?P<name>\w+)"
                      r"|ALTER TABLE (?P<table>\w+) ADD COLUMN IF NOT EXISTS (?P<column>\w+))")


def _postgres_ddl(script: str) -> list[str]:
    """The schema script's statements with PostgreSQL's column types; story_index gains
    the `seq` column that stands for SQLite's rowid."""
    lines = [line for line in script.splitlines() if not line.lstrip().startswith("--")]
    statements = [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
    converted = []
    for statement in statements:
        for pattern, replacement in _POSTGRES_TYPES:
            statement = re.sub(pattern, replacement, statement)
        converted.append(statement)
    if any(st.startswith("CREATE TABLE IF NOT EXISTS story_index ") for st in converted):
        converted.append("ALTER TABLE story_index ADD COLUMN IF NOT EXISTS"
                         " seq BIGINT GENERATED BY DEFAULT AS IDENTITY")
        converted.append("CREATE INDEX IF NOT EXISTS story_index_seq ON story_index (seq)")
    return converted


def connect(location: StoreLocation, lock_timeout: float, application: str) -> Database:
    """Open a connection to the store's database (an SQLite file is created if missing).
    `lock_timeout`: how long an SQLite write waits for another process's.

    Raises:
        StoreError: when the database cannot be opened or reached.
    """
    if location.is_file:
        try:
            Path(location.target).parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(location.target, timeout=lock_timeout,
                                         isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
        except (sqlite3.DatabaseError, OSError) as exc:
            raise StoreError(unusable(location, exc)) from None
        return SQLiteDatabase(location, connection)
    import psycopg

    try:
        session = psycopg.connect(location.target, autocommit=True, connect_timeout=10,
                                  application_name=application[:63])
    except psycopg.Error as exc:
        raise StoreError(f"cannot reach the PostgreSQL store {location} ({first_line(exc)}); "
                         "start the server, or correct STORE_URL") from None
    return PostgresDatabase(location, session)


def unusable(location: StoreLocation, exc: Exception) -> str:
    if location.is_file:
        return (f"cannot use {location} as the Copydesk store ({exc}); point "
                "STORAGE_SQLITE_PATH at another file or move this one away")
    return (f"cannot use {location} as the Copydesk store ({exc}); check the database's "
            "permissions, or point STORE_URL at another database")


def new_store_hint(location: StoreLocation) -> str:
    if location.is_file:
        return "start a new store file (STORAGE_SQLITE_PATH)"
    return "point STORE_URL at a new database"
