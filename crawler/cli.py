"""`copydesk`: Copydesk's commands, from any directory (installed by `pip install .`).

It sets the project's settings module itself, so the Scrapy commands of the project work
wherever it runs; `scrapy crawl news` and the other Scrapy commands keep working inside the
checkout.
"""

from __future__ import annotations

import os
import sys

from pipelines.options import did_you_mean

USAGE = """usage: copydesk COMMAND [options]

commands:
  crawl      crawl news sites: copydesk crawl -a start_urls=URL[,URL...] (or start_file=,
             sources=); Scrapy's crawl options (-s NAME=VALUE, -O FILE, -L LEVEL) apply
  schedule   crawl each source of a sources file whenever it is due: -a sources=FILE [--once]
  export     write the store's articles: -o FILE (.jsonl or .csv; '-' for stdout)
  stories    show the stories in the store: a table, --json, or --html FILE
  extract    the article of saved pages (.html, .gz) or URLs, one JSON line each ('-': stdin)
  dedup      merge the copies in a corpus you have: dedup INPUT -o OUTPUT (.jsonl, .csv,
             .parquet; --text-field, --id-field, --url-field, --published-field)
  desk       the story desk of crawl workers sharing a Redis server: -s REDIS_URL=URL
             (assigns their articles to stories and writes the store; README: scaling out)
  demo       serve the bundled sample web on 127.0.0.1, crawl it and print its stories

`copydesk COMMAND --help` lists a command's options and the settings that matter.
"""
# copydesk command -> the Scrapy command that does it (and the arguments it always gets).
COMMANDS = {"crawl": ["crawl", "news"], "schedule": ["schedule"], "export": ["export"],
            "stories": ["stories"], "dedup": ["dedup"], "extract": ["extract"],
            "desk": ["desk"]}


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help", "help"):
        print(USAGE, end="")
        return
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "settings")
    command, rest = args[0], args[1:]
    if command == "demo":
        from crawler import demo

        sys.argv = ["copydesk demo", *rest]
        demo.main()
        return
    if command not in COMMANDS:
        known = [*COMMANDS, "demo"]
        print(f"error: unknown command {command!r}{did_you_mean(command, known)}; "
              f"commands: {', '.join(known)}", file=sys.stderr)
        sys.exit(2)
    _check_settings_named(rest)
    from scrapy.cmdline import execute

    execute(["copydesk", *COMMANDS[command], *rest])


def _check_settings_named(args: list[str]) -> None:
    """A misspelled -s NAME=VALUE is an error with a suggestion, for every command."""
    from crawler.commands.crawl import known_setting_names
    from pipelines.options import SettingsError, check_setting_names

    names = [value.split("=", 1)[0] for flag, value in zip(args, args[1:], strict=False)
             if flag in ("-s", "--set")]
    try:
        check_setting_names(names, known_setting_names())
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
