"""Scrapy commands of the project (settings.COMMANDS_MODULE)."""

from __future__ import annotations

import os
import sys


def stdout_reader_gone() -> None:
    """Call on BrokenPipeError: the reader of stdout stopped early (`| head`), which is no
    error; stdout is pointed at /dev/null so Python's flush at exit stays quiet too."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
