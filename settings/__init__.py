"""Every Scrapy and Copydesk setting, with its documented default.

This module is the only place defaults live. Override any of them on the command line
(`scrapy crawl news -s STORAGE_SQLITE_PATH=out.db`) or in a test's settings dict.
Project settings carry the prefix of the component that reads them.
"""

from __future__ import annotations

from crawler.items import ARTICLE_FIELDS

BOT_NAME = "copydesk"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
# Our `crawl` command validates start URLs/files before Scrapy starts (one-line errors).
COMMANDS_MODULE = "crawler.commands"

# --- Politeness -------------------------------------------------------------------------
USER_AGENT = "Copydesk/0.1 (+https://github.com/copydesk/copydesk; syndicated-news crawler)"
ROBOTSTXT_OBEY = True
# At most this many requests in flight to one domain (Scrapy's default is 8).
CONCURRENT_REQUESTS_PER_DOMAIN = 4
CONCURRENT_REQUESTS = 16
# Items (and requests) a response yields are handled by this many asyncio tasks each.
# Scrapy's 100 creates 100 tasks per response; a page here yields one item, its pipelines
# run on the event loop, and tasks cost CPU: a few are enough.
CONCURRENT_ITEMS = 4
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30.0
# Average number of requests in flight per remote server that AutoThrottle aims for.
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_TIMEOUT = 30
# Pages larger than this (bytes) are abandoned and counted; a news article is far smaller.
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
REDIRECT_MAX_TIMES = 10
RETRY_TIMES = 2
# Deep enough for a section's pagination; a spider loop cannot run away.
DEPTH_LIMIT = 30
# Crawl breadth-first so that listing pages do not starve article pages.
DEPTH_PRIORITY = 1
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"
# Let errors (404, 500) reach the spider's errback so they are counted, not silently ignored.
HTTPERROR_ALLOW_ALL = False
LOG_LEVEL = "INFO"
# Scrapy's dump of every stat as a Python dict at the end of the log: `scrapy crawl` prints a
# readable summary instead, and CRAWL_STATS_FILE holds them all.
STATS_DUMP = False
# No control servers inside the crawl process: Scrapy's telnet console and its remote-control
# HTTP server both run code sent to them.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"

# --- Crawl scope (read by crawler.spiders.news.NewsSpider) -------------------------------
# How many source links the spider follows off the start sites from one copy: 1 fetches the
# page a copy cites; 2 also fetches the page that one cites (resolves aggregator chains).
CRAWL_SOURCE_HOPS = 2
# Look for originals that no copy links: the sitemaps of sites reached through source links
# are read, and entries whose URL slug repeats a start-site page's headline are fetched.
CRAWL_DISCOVER_ORIGINALS = True
# At most this many child sitemaps are read from one sitemap index.
CRAWL_SITEMAPS_PER_INDEX = 50
# At most this many links of one page are followed (in URL order); a news home page has a
# few hundred. A page of 100,000 links cannot flood the queue.
CRAWL_MAX_LINKS_PER_PAGE = 1000
# At most this many requests go to one site (registrable domain: www., m. and edition.
# hosts of example.com are the site example.com) in one run, whatever
# links, sitemaps and source links ask for: a bound on traps that invent endless URLs. A
# sources file's max_pages bounds each source further.
CRAWL_MAX_PAGES_PER_SITE = 5000
# A listing page (home, section, tag or a page of one) whose article links were all stored
# by an earlier run, remembered as no article, or requested already in this run is stale.
# From a stale page the walk follows listing links (next pages, sections) only while it has
# met no more than this many stale pages in a row, so a re-run stops paginating where
# nothing is new. Start pages are read every run: list the sections to read every time.
CRAWL_STALE_LISTING_PAGES = 0

# On a terminal, a progress line (pages, articles, stories, rate, queue) is rewritten every
# this many seconds (read by crawler.extensions.ProgressLine); 0 turns it off.
CRAWL_PROGRESS_INTERVAL = 5.0

# After Ctrl-C or SIGTERM, requests and pages in flight get this many seconds to finish;
# then the crawl stops at once (read by crawler.extensions.ShutdownGuard).
CRAWL_SHUTDOWN_GRACE = 5.0

# --- Output schema ----------------------------------------------------------------------
# Feeds (-O out.jsonl) carry exactly the article fields of the output schema, defined with
# the Article item (crawler.items.ARTICLE_FIELDS) and documented in README.md.
FEED_EXPORT_FIELDS = ARTICLE_FIELDS
# JSON Lines feeds write control and bidirectional-override characters from pages as
# \uXXXX escapes: the values are the same, and the file is safe to print in a terminal.
FEED_EXPORTERS = {"jsonlines": "crawler.exporters.SafeJsonLinesItemExporter",
                  "jsonl": "crawler.exporters.SafeJsonLinesItemExporter",
                  "json": "crawler.exporters.RevisedJsonItemExporter",
                  "csv": "crawler.exporters.RevisedCsvItemExporter"}
# A later page can move an earlier page to another story, or change its story's original
# or its similarity. True: a feed (jsonl, json, csv) ends with the current record of every
# stored page a later page changed during the crawl (from earlier runs too), so the last
# record of each URL is what the store holds. Needs STORAGE_ENABLED; not on workers.
FEED_REVISED_RECORDS = True

# When set, the crawl's final stats (plus its CPU seconds) are written to this JSON file.
# Read by crawler.extensions.CrawlSummary; benchmarks and monitoring use it.
CRAWL_STATS_FILE = ""

# --- Incremental crawls (read by crawler.middlewares.IncrementalCrawlMiddleware) -----------
# Skip article pages already in the store (unless a feed or sitemap dates them later than
# their fetch) and ask for listing pages, feeds and sitemaps with If-None-Match /
# If-Modified-Since. Needs STORAGE_ENABLED.
INCREMENTAL_ENABLED = True
# Pages that yielded no article (dropped by extraction: too short, not an article, ...; and
# site pages such as /about/ and /contact/) are not fetched again for this many days. Start
# pages are always fetched.
INCREMENTAL_RETRY_DROPPED_DAYS = 7.0

# --- Egress policy (read by crawler.middlewares.EgressMiddleware and EgressResolver) -------
# Every request (start URLs, links, redirects, meta refreshes, source links, feeds, sitemaps,
# robots.txt, HEAD checks) must be http(s) to a public address: loopback, private, link-local
# (cloud metadata 169.254.169.254), shared, multicast, reserved and unspecified addresses are
# refused in every spelling ("127.1", "2130706433", "0x7f.0.0.1", "[::ffff:127.0.0.1]"), and
# so are host names that resolve to one, checked on the address the connection uses.
# Refusals are counted as egress/refused/<reason>. EGRESS_ALLOW lists the exceptions, for a
# crawl of an intranet on purpose: host names ("*.corp.example" for a domain), addresses or
# networks ("10.20.0.0/16"), each with an optional port ("127.0.0.1:8080"); comma-separated
# on the command line.
EGRESS_ALLOW: list[str] = []
TWISTED_DNS_RESOLVER = "crawler.middlewares.EgressResolver"
# Only the web: no file://, data:, ftp:// or s3:// downloads, whatever a page links to.
DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}

DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.RobotsTxtOnceMiddleware": 40,
    "crawler.middlewares.IncrementalCrawlMiddleware": 50,
    # After Scrapy's HttpProxyMiddleware (750), which tells whether a proxy will connect.
    "crawler.middlewares.EgressMiddleware": 760,
    # Before Scrapy's RedirectMiddleware (600) sees a redirect: loops are counted, not hidden.
    "crawler.middlewares.RedirectLoopMiddleware": 650,
}

ITEM_PIPELINES = {
    "pipelines.components.ExtractionPipeline": 100,
    "pipelines.components.SourceLinkPipeline": 200,
    "pipelines.components.DedupPipeline": 300,
    "pipelines.components.StoragePipeline": 400,
}
EXTENSIONS = {
    "crawler.extensions.CrawlSummary": 500,
    "crawler.extensions.ShutdownGuard": 510,
    "crawler.extensions.ProgressLine": 520,
}

# --- Extraction (read by pipelines.components.ExtractionPipeline) -----------------------
# Pages whose cleaned main text has fewer words than this are dropped as "too short".
EXTRACTION_MIN_WORDS = 10
# Pages larger than this many characters are cut before parsing (bounded time and memory):
# the body is cut, never the <head> with the page's metadata (scripts and styles go first).
EXTRACTION_MAX_CHARS = 2_000_000
# Extraction and source-link parsing run on worker threads; a page that takes longer than
# this many seconds in either is dropped (extraction/dropped/timeout, sourcelink/timeout).
# Ordinary pages take milliseconds.
EXTRACTION_PAGE_TIMEOUT = 20.0
# Include trafilatura's fallback extractors (readability, jusText) when its own pass is unsure.
EXTRACTION_FALLBACKS = True
# trafilatura's mode after our page pruning: "precision", "recall" or "balanced". Measured
# with bench/extraction.py on scrapinghub (mean token F1): precision 0.973, recall 0.971,
# balanced 0.966; on synd-dev all three are within 0.002. Precision now and then keeps a
# scrap of a page builder's body: when it keeps under a quarter of the page's prose, the
# balanced extraction is used instead (wcxb-dev articles: 0.905 -> 0.931).
EXTRACTION_FOCUS = "precision"
# Keep the quoted text of embedded social posts (tweets, Instagram, TikTok) in `text`.
# Their post URLs always go to the `embeds` field. Both benchmarks' ground truths include
# embedded posts in the article body: False lowers scrapinghub F1 from 0.973 to 0.965.
EXTRACTION_EMBEDS_IN_TEXT = True
# Drop pages that page typing (pipelines/page_type.py) judges not to be articles: tag,
# section, product, forum, service and legal pages with enough text to pass as articles.
# Counted as extraction/dropped/not an article. False keeps every page with main text.
EXTRACTION_PAGE_TYPING = True
# Level of trafilatura's own log messages. It warns about every page without main text,
# which the stats already count (extraction/dropped/<reason>); raise to WARNING to see them.
EXTRACTION_LIBRARY_LOG_LEVEL = "ERROR"

# --- Source links (read by pipelines.components.SourceLinkPipeline) ---------------------
SOURCELINK_ENABLED = True

# --- Dedup (read by pipelines.components.DedupPipeline) ---------------------------------
DEDUP_ENABLED = True
# Words per shingle. 3-word shingles survive light edits; longer ones reject more noise.
DEDUP_SHINGLE_WORDS = 3
# MinHash permutations per window signature. Candidates are verified on exact shingle sets,
# so this only trades LSH recall for speed; on synd-dev 32, 64 and 128 give the same
# clustering and 64 costs half the CPU of 128.
DEDUP_NUM_PERM = 64
# Seed of the MinHash permutations. Stored with the index; changing it needs a new index.
DEDUP_SEED = 1
# Shingles per window: each text is indexed as windows of this many shingles, so a partial
# copy (a few paragraphs of a long article) still finds its original through a window.
# Longer windows are cheaper but need a lower DEDUP_LSH_THRESHOLD to catch short excerpts;
# on synd-dev 30/0.5, 40/0.5 and 50/0.45 cluster alike, 50/0.45 at 0.8x the CPU of 40/0.5.
DEDUP_WINDOW_SHINGLES = 50
# Jaccard threshold of the LSH over windows: candidates share about this much of a window.
# Only candidates are found this way; every pair is then verified on exact shingle sets.
DEDUP_LSH_THRESHOLD = 0.45
# Verified overlap (shared shingles / shingles of the shorter text, 0..1) needed to join a
# story. Partial and full copies score near 1; articles quoting a paragraph of another, and
# different articles about one event, score lower. Chosen on synd-dev: 0.5 -> pairwise F1
# 0.959, 0.7 -> 0.968, 0.8 -> 0.978 (bench/synd.py).
DEDUP_MIN_OVERLAP = 0.8
# Texts with fewer shingles than this (about as many words) are "short": they join only a
# near-identical text (DEDUP_SHORT_MIN_JACCARD), never a longer article they resemble,
# unless one of the two links the other as its source (then DEDUP_MIN_OVERLAP decides).
DEDUP_MIN_SHINGLES = 40
DEDUP_SHORT_MIN_JACCARD = 0.7
# Pairs whose Jaccard is below this are not full copies: the shorter must then hold at least
# DEDUP_MIN_LEAD_SHARE of the longer text's first 20 shingles (a partial copy keeps the lead;
# an article quoting or appending paragraphs of another does not).
DEDUP_FULL_COPY_JACCARD = 0.6
DEDUP_MIN_LEAD_SHARE = 0.5
# Two pages of one site (its registrable domain) are copies only when near-identical (Jaccard
# at least this), unless one names the other as its source. A site serves its own story again
# under another URL (print, AMP, section paths) as the same text; what two of its pages share
# otherwise is its template (a section's blurb, an author's bio, a newsletter box), which on
# short pages would outweigh the story itself.
DEDUP_SAME_SITE_MIN_JACCARD = 0.9
# Retention window of the story index, in days: a crawl loads only stories that had a page
# indexed within this many days, so memory stays flat on a site crawled for a year. Copies
# of older stories start new stories. 0 keeps every story matchable.
DEDUP_RETENTION_DAYS = 60

# --- Storage (read by pipelines.components.StoragePipeline and DedupPipeline) ------------
STORAGE_ENABLED = True
# SQLite file holding articles, stories and the story index. Created if missing. One crawl
# at a time per store: a second one is refused while `<file>.lock` is held.
STORAGE_SQLITE_PATH = "copydesk.db"
# Where the store lives, as a URL; empty: the SQLite file STORAGE_SQLITE_PATH. Set it to
# postgresql://USER:PASSWORD@HOST:PORT/DATABASE to keep the store in PostgreSQL (the same
# tables and the same `copydesk export` output), so crawl workers and the story desk on
# several machines share one store; sqlite:///PATH names a file. The database must exist;
# the tables are created on first use. One writer at a time, as with a file (a PostgreSQL
# advisory lock, released when the writer's session ends).
STORE_URL = ""
# Seconds a write waits for another process (an export, a sqlite3 shell) to release the
# store's write lock; then the write fails and the crawl stops (finish reason store_failed,
# exit status 1), and the next run fetches the pages that were not stored.
STORAGE_LOCK_TIMEOUT = 60.0

# --- Scale-out: crawl workers and one story desk (crawler.scale_out) ---------------------
# A Redis server (redis://host:port/db) shared by crawl workers and the story desk. Set, a
# crawl is a worker: its frontier is in Redis (several workers fetch each page once) and
# its articles go to `copydesk desk`, which assigns stories and writes the store for all of
# them. Empty: one process crawls, assigns stories and stores (the default).
REDIS_URL = ""
ADDONS = {"crawler.scale_out.RedisWorker": 0}
# A request a worker took from the shared frontier is given back to the queue when its
# worker has not renewed it for this many seconds (the worker was killed); live workers
# renew theirs every quarter of it. Longer than a page's time in one worker is not needed.
FRONTIER_LEASE_SECONDS = 120.0
# A worker waits while this many articles wait for the desk in Redis, so a desk that is
# down or slow does not fill Redis's memory (about 5-20 KB an article).
HANDOFF_MAX_BACKLOG = 20000
