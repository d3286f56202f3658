"""A frontier shared by crawl workers on several machines: scrapy-redis's scheduler and
request fingerprints in Redis (a page is fetched once, whichever worker finds its link),
with leases, so that a worker killed mid-crawl loses no request.

A worker popping a request takes a lease on it: the request stays in Redis, with a deadline
the worker renews while the request is in flight, until its response (and every item and
follow-up it yields) has been processed. A lease whose deadline passed (its worker died) is
put back in the queue by any worker. Requests that cannot leave the process (a follow-up
carrying a page parsed in memory) stay in a local queue under their parent's lease: if the
worker dies, the parent is fetched again and yields them again.

A run ends when the queue is empty and no lease is held: the last worker out clears the
fingerprints, so the next scheduled run reads the listings again (pages stored by earlier
runs are skipped by the incremental middleware). A run stopped before that (Ctrl-C, every
worker killed) resumes where it was at the next start.
"""

from __future__ import annotations

import logging
import pickle
from collections import Counter, deque
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.misc import load_object
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task
from twisted.python.failure import Failure

from crawler.discovery import HeadlineMatcher
from crawler.shared_discovery import SharedHeadlines

logger = logging.getLogger(__name__)

#: How often an idle worker looks for requests other workers queued.
_POLL_SECONDS = 0.5
#: request.meta key: the lease a request is processed under.
LEASE = "frontier_lease"
#: request.meta key: the lease of the response a request was found on (set by LeaseMiddleware).
PARENT_LEASE = "frontier_parent_lease"

# Pops the best request and records it as leased until its deadline (server time), in one
# step: a worker dying between the two cannot lose it.
_POP = """
local found = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #found == 0 then return nil end
redis.call('ZREM', KEYS[1], found[1])
local id = redis.call('INCR', KEYS[4])
local now = redis.call('TIME')
redis.call('HSET', KEYS[2], id, found[1])
redis.call('HSET', KEYS[3], id, found[2])
redis.call('ZADD', KEYS[5], tonumber(now[1]) + tonumber(ARGV[1]), id)
return {id, found[1]}
"""
# Puts requests whose lease expired back in the queue.
_REQUEUE_EXPIRED = """
local now = redis.call('TIME')
local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', tonumber(now[1]))
for _, id in ipairs(expired) do
  local data = redis.call('HGET', KEYS[1], id)
  local score = redis.call('HGET', KEYS[2], id)
  if data then redis.call('ZADD', KEYS[4], score, data) end
  redis.call('HDEL', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
  redis.call('ZREM', KEYS[3], id)
end
return #expired
"""
# Queues a request unless its fingerprint was seen, and ends a lease, in one step: a worker
# killed between recording a fingerprint and queueing its request would lose the request
# (fetched again, its page yields it again, and the fingerprint filters it out). With no
# request (ARGV[2] empty) it only ends the lease: the one place a lease ends.
_PUSH_NEW = """
local queued = 0
if ARGV[2] ~= '' and (ARGV[1] == '' or redis.call('SADD', KEYS[2], ARGV[1]) == 1) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
  queued = 1
end
if ARGV[4] ~= '' then
  redis.call('ZREM', KEYS[5], ARGV[4])
  redis.call('HDEL', KEYS[3], ARGV[4])
  redis.call('HDEL', KEYS[4], ARGV[4])
end
return queued
"""
# Renews leases still held: only those with a deadline (one requeued meanwhile is not).
_RENEW = """
local now = redis.call('TIME')
for i = 2, #ARGV do
  redis.call('ZADD', KEYS[1], 'XX', tonumber(now[1]) + tonumber(ARGV[1]), ARGV[i])
end
return 0
"""


def carried_over(meta: dict[str, Any]) -> dict[str, Any]:
    """The frontier's keys of a request's meta, for the request a downloader middleware
    returns in its place: the lease goes on with it (Scrapy's redirects keep all meta)."""
    return {key: meta[key] for key in (LEASE,) if key in meta}


class LeasedPriorityQueue(PriorityQueue):  # type: ignore[misc]  # scrapy-redis is untyped
    """scrapy-redis's priority queue, popping under a lease."""

    lease_seconds = 120.0

    def __init__(self, server: Any, spider: Spider, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        self.lease_keys = [f"{self.key}:leased", f"{self.key}:leased_scores",
                           f"{self.key}:lease_counter", f"{self.key}:deadlines"]
        self._pop = server.register_script(_POP)
        self._requeue = server.register_script(_REQUEUE_EXPIRED)
        self._renew = server.register_script(_RENEW)
        self._push_new = server.register_script(_PUSH_NEW)

    def pop(self, timeout: int = 0) -> Request | None:
        leased, scores, counter, deadlines = self.lease_keys
        found = self._pop(keys=[self.key, leased, scores, counter, deadlines],
                          args=[int(self.lease_seconds)])
        if not found:
            return None
        lease, data = found
        request: Request = self._decode_request(data)
        request.meta[LEASE] = lease.decode() if isinstance(lease, bytes) else str(lease)
        return request

    def encode(self, request: Request) -> bytes:
        data: bytes = self._encode_request(request)
        return data

    def push_new(self, data: bytes, priority: int, fingerprints: str, fingerprint: str | None,
                 release: str | None = None) -> bool:
        """Queue an encoded request unless `fingerprint` is in the set `fingerprints` (added
        to it; None: never filtered); with `release`, end that lease in the same step.
        Returns whether the request was queued."""
        leased, scores, _, deadlines = self.lease_keys
        return bool(self._push_new(keys=[self.key, fingerprints, leased, scores, deadlines],
                                   args=[fingerprint or "", data, -priority, release or ""]))

    def release(self, lease: str) -> None:
        leased, scores, _, deadlines = self.lease_keys
        self._push_new(keys=[self.key, self.key, leased, scores, deadlines],
                       args=["", "", 0, lease])

    def renew(self, leases: list[str]) -> None:
        if leases:
            self._renew(keys=[self.lease_keys[3]], args=[int(self.lease_seconds), *leases])

    def requeue_expired(self) -> int:
        leased, scores, _, deadlines = self.lease_keys
        return int(self._requeue(keys=[leased, scores, deadlines, self.key]))

    def leases(self) -> int:
        return int(self.server.zcard(self.lease_keys[3]))

    def clear(self) -> None:
        self.server.delete(self.key, *self.lease_keys)


class RedisFrontier(Scheduler):  # type: ignore[misc]  # scrapy-redis is untyped
    """The shared frontier (SCHEDULER when REDIS_URL is set; see crawler.scale_out)."""

    def __init__(self, *args: Any, lease_seconds: float = 120.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lease_seconds = lease_seconds
        self.local: deque[Request] = deque()
        self.held: Counter[str] = Counter()  # lease -> requests of it still in process
        self.crawler: Crawler | None = None
        self.timer: task.LoopingCall | None = None
        self.headlines: SharedHeadlines | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisFrontier:
        frontier: RedisFrontier = super().from_crawler(crawler)
        frontier.crawler = crawler
        frontier.lease_seconds = crawler.settings.getfloat("FRONTIER_LEASE_SECONDS")
        return frontier

    def open(self, spider: Spider) -> None:
        self.queue_cls: Any = _with_lease(load_object(self.queue_cls), self.lease_seconds)
        super().open(spider)
        assert self.crawler is not None and self.crawler.engine is not None
        scraper = self.crawler.engine.scraper
        scrape = scraper.enqueue_scrape

        # Scrapy sends no signal when a response's items and follow-ups are all processed;
        # its scraper's enqueue_scrape ends exactly then, for responses and failures alike.
        def enqueue_scrape(result: Response | Failure, request: Request) -> Any:
            return scrape(result, request).addBoth(self._scraped, request)

        scraper.enqueue_scrape = enqueue_scrape  # type: ignore[method-assign]
        if isinstance(getattr(spider, "headlines", None), HeadlineMatcher):
            self.headlines = SharedHeadlines(self.server, self.queue.key, spider.headlines)  # type: ignore[attr-defined]
            setattr(spider, "headlines", self.headlines)  # noqa: B010 -- the news spider's
        # The engine asks a scheduler that has pending requests but returned none again
        # every 5 s; here the queue fills from other workers too: ask more often.
        self.crawler.engine._SLOT_HEARTBEAT_INTERVAL = _POLL_SECONDS
        self._count_requeued(self.queue.requeue_expired())
        self.timer = task.LoopingCall(self._tend_leases)
        self.timer.start(max(self.lease_seconds / 4, 0.5), now=False)

    def _scraped(self, result: Any, request: Request) -> Any:
        lease = request.meta.get(LEASE)
        if lease is not None:
            self._done(lease)
        return result

    def _done(self, lease: str) -> None:
        if self._let_go(lease):
            self.queue.release(lease)

    def _let_go(self, lease: str) -> bool:
        """One request of the lease is done; True when none is left (the lease ends)."""
        self.held[lease] -= 1
        if self.held[lease] > 0:
            return False
        del self.held[lease]
        return True

    def _tend_leases(self) -> None:
        try:
            self.queue.renew(list(self.held))
            requeued = self.queue.requeue_expired()
        except Exception as exc:  # noqa: BLE001 -- a Redis outage: said, retried next tick
            logger.warning("frontier: cannot renew leases in Redis: %s", exc)
            return
        self._count_requeued(requeued)

    def _count_requeued(self, requeued: int) -> None:
        if requeued:
            logger.info("frontier: %d requests of stopped workers queued again", requeued)
            if self.stats:
                self.stats.inc_value("frontier/requeued_after_lease", requeued)

    def enqueue_request(self, request: Request) -> bool:
        lease = request.meta.get(LEASE)  # set: a redirect or retry of a leased request
        data = self._encoded(request)
        if data is None:  # holds objects of this process: stays here, under its parent's lease
            if not request.dont_filter and self.df.request_seen(request):
                self.df.log(request, self.spider)
                if lease is not None:
                    self._done(lease)
                return False
            parent = request.meta.pop(PARENT_LEASE, None)
            if lease is None and parent is not None:
                request.meta[LEASE] = parent
                self.held[parent] += 1
            self.local.append(request)
            return True
        # A continued lease ends with the push when nothing else of it is in process.
        ended = lease if lease is not None and self._let_go(lease) else None
        fingerprint = None if request.dont_filter else self.df.request_fingerprint(request)
        if not self.queue.push_new(data, request.priority, self.df.key, fingerprint,
                                   release=ended):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def _encoded(self, request: Request) -> bytes | None:
        meta = request.meta
        kept = {k: meta.pop(k) for k in (LEASE, PARENT_LEASE) if k in meta}
        try:
            data: bytes = self.queue.encode(request)
            return data
        except (pickle.PicklingError, TypeError, AttributeError, ValueError):
            return None
        finally:
            meta.update(kept)

    def next_request(self) -> Request | None:
        if self.local:
            return self.local.popleft()
        request: Request | None = self.queue.pop()
        if request is not None:
            self.held[request.meta[LEASE]] += 1
            if self.stats:
                self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        # Another worker's leased request may still yield links: wait for it (or for its
        # lease to expire) before calling the run finished.
        return bool(self.local) or len(self.queue) > 0 or self.queue.leases() > 0

    def __len__(self) -> int:
        return len(self.local) + len(self.queue)

    def close(self, reason: str) -> None:
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        drained = not self.local and len(self.queue) == 0 and self.queue.leases() == 0
        if drained and reason == "finished":
            self.df.clear()
            self.queue.clear()
            if self.headlines is not None:
                self.headlines.clear()
            logger.info("frontier: the run is complete; its fingerprints are cleared")
        elif len(self.queue) or self.queue.leases():
            logger.info("frontier: %d requests queued and %d leased stay in Redis for the "
                        "next start", len(self.queue), self.queue.leases())


def _with_lease(queue_cls: type, seconds: float) -> type:
    if not issubclass(queue_cls, LeasedPriorityQueue):
        raise TypeError("SCHEDULER_QUEUE_CLASS must be crawler.redis_frontier.LeasedPriorityQueue"
                         " or a subclass of it")
    return type(queue_cls.__name__, (queue_cls,), {"lease_seconds": seconds})


class LeaseMiddleware:
    """Spider middleware: marks the requests a leased response yields with its lease, so
    the frontier keeps the lease until those that cannot leave the process are done."""

    async def process_spider_output_async(self, response: Response, result: Any) -> Any:
        lease = response.meta.get(LEASE)
        async for output in result:
            if lease is not None and isinstance(output, Request) and LEASE not in output.meta:
                output.meta[PARENT_LEASE] = lease
            yield output

    def process_spider_output(self, response: Response, result: Any) -> Any:
        lease = response.meta.get(LEASE)
        for output in result:
            if lease is not None and isinstance(output, Request) and LEASE not in output.meta:
                output.meta[PARENT_LEASE] = lease
            yield output
