"""A wall-clock limit on one page's processing, on the main thread.

Extraction runs on the crawl's event loop: handing pages to a worker thread cost 40 % more
CPU per page on our 2-core machine (GIL hand-offs), for work that is already bounded in the
page's size. This is the backstop for what the bounds miss: a SIGALRM timer interrupts the
page's Python code and raises PageTimeout (C code such as the HTML parser finishes its call
first; its cost is linear in the page). Off the main thread, where signals cannot be
used, no limit applies.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType, TracebackType


class PageTimeout(Exception):
    """Raised inside a page's processing when its time limit passes."""


class PageTimeLimit:
    """`with limit:` runs the block for at most `seconds` (0: no limit). One timer per
    process: blocks must not nest."""

    #: Set by cut_short(): no page may run longer than this from then on (a shutdown).
    _ceiling: float | None = None

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._active = False

    @classmethod
    def cut_short(cls, seconds: float) -> None:
        """From now on, pages get at most `seconds`, the page running now included (called
        from a signal handler when the crawl is asked to stop)."""
        cls._ceiling = seconds
        remaining = signal.getitimer(signal.ITIMER_REAL)[0]
        if 0 < seconds < remaining:
            signal.setitimer(signal.ITIMER_REAL, seconds)

    def __enter__(self) -> None:
        seconds = self.seconds
        if self._ceiling is not None:
            seconds = min(seconds, self._ceiling) if seconds > 0 else self._ceiling
        if seconds <= 0 or threading.current_thread() is not threading.main_thread():
            return
        # Installed on every use: another component may have replaced it; our handler
        # raises only while a block is active, so a late signal is harmless.
        signal.signal(signal.SIGALRM, self._expired)
        self._active = True
        signal.setitimer(signal.ITIMER_REAL, seconds)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self._active:
            self._active = False
            signal.setitimer(signal.ITIMER_REAL, 0)

    def _expired(self, signum: int, frame: FrameType | None) -> None:
        if self._active:
            # Again in 50 ms until the block exits: library code may swallow one exception.
            signal.setitimer(signal.ITIMER_REAL, 0.05)
            raise PageTimeout("page took longer than its time limit")
