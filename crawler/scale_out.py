"""Scale-out switch: with REDIS_URL set, `scrapy crawl news` runs as a crawl worker.

A worker shares its frontier with the other workers (crawler.redis_frontier) and hands its
articles to the story desk (pipelines.handoff_pipeline) instead of assigning stories and
writing the store itself; `copydesk desk` does that for every worker. Without REDIS_URL
nothing changes: one process crawls, assigns and stores.
"""

from __future__ import annotations

from scrapy.settings import BaseSettings

WORKER_PIPELINES = {
    "pipelines.components.DedupPipeline": None,
    "pipelines.components.StoragePipeline": None,
    "pipelines.handoff_pipeline.HandoffPipeline": 300,
}


class RedisWorker:
    """Scrapy add-on (ADDONS): turns the crawl into a worker when REDIS_URL is set."""

    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.get("REDIS_URL"):
            return
        priority = "addon"
        settings.set("SCHEDULER", "crawler.redis_frontier.RedisFrontier", priority)
        settings.set("SCHEDULER_QUEUE_CLASS", "crawler.redis_frontier.LeasedPriorityQueue",
                     priority)
        settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", priority)
        settings.set("SCHEDULER_PERSIST", True, priority)  # the last worker out clears it
        settings.set("SCHEDULER_QUEUE_KEY", "copydesk:%(spider)s:requests", priority)
        settings.set("SCHEDULER_DUPEFILTER_KEY", "copydesk:%(spider)s:seen", priority)
        settings["ITEM_PIPELINES"].update(WORKER_PIPELINES)
        settings["SPIDER_MIDDLEWARES"].update({"crawler.redis_frontier.LeaseMiddleware": 10})
