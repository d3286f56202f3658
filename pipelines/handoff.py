"""Articles from crawl workers to the story desk, through a Redis stream.

Workers append each article (the output record plus what the desk needs to assign its
story) to the stream; the desk reads it through a consumer group and acknowledges an entry
only after the article and its story are committed to the store. A desk killed at any
moment therefore loses nothing: at its next start it first reads the entries it had been
given and not acknowledged, then new ones. An entry the desk stored but had not yet
acknowledged is filed again: its page is then "unchanged" and stays in its story.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

import redis

#: Stream and consumer group names (the desk is the group's only consumer).
STREAM_KEY = "copydesk:articles"
DESK_GROUP = "desk"
_CONSUMER = "desk"


class HandoffError(Exception):
    """Redis cannot be reached or used; the message names the server and what to do."""


@dataclass(frozen=True)
class Entry:
    entry_id: str
    record: dict[str, Any]


def connect(url: str) -> redis.Redis:
    """A client for `url` (redis://host:port/db), checked with a PING.

    Raises:
        HandoffError: when the URL is malformed or the server does not answer.
    """
    try:
        client = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10,
                                      health_check_interval=30)
        client.ping()
    except (ValueError, redis.RedisError) as exc:
        raise HandoffError(f"cannot reach Redis at {url} ({exc}); start redis-server or set "
                           "REDIS_URL to the server the workers and the desk share") from None
    return client


P = ParamSpec("P")
T = TypeVar("T")


def _said(method: Callable[P, T]) -> Callable[P, T]:
    """Redis failures as HandoffError, with the stream named."""
    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return method(*args, **kwargs)
        except redis.RedisError as exc:
            raise HandoffError(f"Redis failed on the article stream ({exc})") from None
    return wrapper


class ArticleStream:
    def __init__(self, client: redis.Redis, key: str = STREAM_KEY) -> None:
        self.client = client
        self.key = key

    @_said
    def send(self, record: dict[str, Any]) -> int:
        """Append one article; returns the number of entries the desk has not yet taken
        (not counting those it is working on)."""
        pipe = self.client.pipeline(transaction=False)
        pipe.xadd(self.key, {"article": json.dumps(record, ensure_ascii=False)})
        pipe.xlen(self.key)
        _, length = pipe.execute()
        return int(length)

    @_said
    def length(self) -> int:
        return int(self.client.xlen(self.key))

    @_said
    def open_group(self) -> None:
        """Create the desk's consumer group (from the stream's start) if it does not exist."""
        try:
            self.client.xgroup_create(self.key, DESK_GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def unacknowledged(self) -> Iterator[Entry]:
        """Entries given to the desk before and never acknowledged (a killed desk's)."""
        start = "0"
        while True:
            batch = self._read(start, count=500, block_ms=None)
            if not batch:
                return
            yield from batch
            start = batch[-1].entry_id

    @_said
    def receive(self, count: int, block_ms: int) -> list[Entry]:
        """New entries, waiting up to `block_ms` for the first."""
        return self._read(">", count, block_ms)

    @_said
    def _read(self, start: str, count: int, block_ms: int | None) -> list[Entry]:
        answer: Any = self.client.xreadgroup(DESK_GROUP, _CONSUMER, {self.key: start},
                                             count=count, block=block_ms)
        entries, gone = [], []
        for _, messages in answer or []:
            for entry_id, fields in messages:
                if not fields:  # deleted after delivery: nothing to file
                    gone.append(entry_id)
                    continue
                entries.append(Entry(entry_id.decode(), json.loads(fields[b"article"])))
        if gone:
            self.client.xack(self.key, DESK_GROUP, *gone)
        return entries

    @_said
    def acknowledge(self, entry_ids: list[str]) -> None:
        """The entries are filed: acknowledged and removed from the stream."""
        if entry_ids:
            pipe = self.client.pipeline(transaction=True)
            pipe.xack(self.key, DESK_GROUP, *entry_ids)
            pipe.xdel(self.key, *entry_ids)
            pipe.execute()
