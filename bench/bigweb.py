"""A large web for benchmarks: copies of a sample web on their own hosts, with their own texts.

    python bench/bigweb.py OUT_DIR [--web ../shared/bench/synd-dev] [--copies 8]

Copy k of the web renames every host ("globewire.test" -> "c3-globewire.test") in every
file, and rotates the letters of the visible text (not URLs, scripts or styles) by k, so
the copies share no story: each is a web of the same shape (publishers, wires, aggregators,
listings, feeds, sitemaps) and the stories of one copy never match another's. Copy 0 is the
web itself. Eight copies of synd-dev make about 11,000 pages.
"""

from __future__ import annotations

import argparse
import json
import re
import string
from collections.abc import Callable
from pathlib import Path

from crawl_runner import ROOT

_TEXT_NODE = re.compile(r">([^<]+)<")
_REFERENCE = re.compile(r"(&#?\w+;)")
_SCRIPT_OR_STYLE = re.compile(r"(<(script|style)\b.*?</\2>)", re.DOTALL | re.IGNORECASE)


def build_big_web(web: Path, out: Path, copies: int) -> Path:
    """Write `copies` copies of `web` into `out` (a sample web directory); returns `out`."""
    meta = json.loads((web / "web.json").read_text("utf-8"))
    hosts = sorted(meta["hosts"], key=len, reverse=True)
    big: dict[str, dict[str, str] | list[str]] = {"hosts": [], "redirects": {}, "content_types": {}}
    start_urls: list[str] = []
    for copy in range(copies):
        rename = _host_renamer(hosts, copy)
        big["hosts"] += [rename(h) for h in meta["hosts"]]  # type: ignore[operator]
        for key in ("redirects", "content_types"):
            big[key].update({rename(k): rename(v) for k, v in meta.get(key, {}).items()})  # type: ignore[union-attr]
        start_urls += [rename(u) for u in (web / "start_urls.txt").read_text().split()]
        for file in (web / "sites").rglob("*"):
            if not file.is_file():
                continue
            relative = file.relative_to(web / "sites")
            target = out / "sites" / rename(relative.parts[0]) / Path(*relative.parts[1:])
            target.parent.mkdir(parents=True, exist_ok=True)
            body = rename(file.read_text("utf-8", errors="replace"))
            if file.suffix in (".html", "") or file.name == "index.html":
                body = _rotate_visible_text(body, copy)
            target.write_text(body, "utf-8")
    (out / "web.json").write_text(json.dumps(big, indent=1), "utf-8")
    (out / "start_urls.txt").write_text("\n".join(start_urls) + "\n", "utf-8")
    return out


def _host_renamer(hosts: list[str], copy: int) -> Callable[[str], str]:
    if copy == 0:
        return lambda text: text
    pattern = re.compile(r"(?<![\w.-])(www\.)?(" + "|".join(
        re.escape(h.removeprefix("www.")) for h in hosts) + r")(?![\w-])")
    return lambda text: pattern.sub(lambda m: f"{m.group(1) or ''}c{copy}-{m.group(2)}", text)


def _rotate_visible_text(html: str, copy: int) -> str:
    if copy == 0:
        return html
    lower, upper = string.ascii_lowercase, string.ascii_uppercase
    table = str.maketrans(lower + upper, lower[copy:] + lower[:copy] + upper[copy:] + upper[:copy])

    def rotate(match: re.Match[str]) -> str:
        text = match.group(1)
        if "://" in text:
            return match.group(0)
        # Letters between character references ("&#8217;", "&amp;") rotate; the references
        # stay whole. (Skipping such text nodes left most paragraphs alike in every copy.)
        parts = _REFERENCE.split(text)
        return ">" + "".join(p if i % 2 else p.translate(table) for i, p in enumerate(parts)) + "<"

    parts = _SCRIPT_OR_STYLE.split(html)
    out = []
    for number, part in enumerate(parts):
        kind = number % 3  # split() with two groups: text, whole script/style, tag name
        if kind == 0:
            out.append(_TEXT_NODE.sub(rotate, part))
        elif kind == 1:
            out.append(part)
    return "".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--web", type=Path, default=ROOT.parent / "shared/bench/synd-dev")
    parser.add_argument("--copies", type=int, default=8)
    args = parser.parse_args()
    build_big_web(args.web, args.out, args.copies)
    pages = sum(1 for f in (args.out / "sites").rglob("*") if f.is_file())
    print(json.dumps({"web": str(args.out), "files": pages, "copies": args.copies}))


if __name__ == "__main__":
    main()
