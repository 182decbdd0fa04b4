"""Open every page of the built site in a real browser; fail on a console error.

``make test-browser`` (and ``make test``, where Chromium is installed): serves
``book/_build/html`` on 127.0.0.1 (a random free port), opens each page in
headless Chromium driven by Playwright, waits for it to load, and collects the
console's errors, the page's uncaught exceptions (a ``SyntaxError`` such as
"Identifier ... has already been declared" included) and every request to the
site itself that failed (a 404 for a missing ``favicon.ico``, say). Requests to
any other host are blocked, so the check runs offline and never depends on a CDN;
the blocked URLs are listed, and the console's "Failed to load resource" lines
they cause are not counted as errors. With ``--no-remote`` (what ``make
test-browser OFFLINE=1`` passes: the offline site bundles MathJax) a page that asks
for anything on another host fails too.

It uses the system's Chromium and downloads no browser: set ``CHROMIUM`` to its
path, or have one of ``chromium``, ``chromium-browser``, ``google-chrome`` on the
PATH (Debian/Ubuntu: ``apt-get install chromium``). Playwright's Python package:
``pip install -e '.[browser]'``. Without either it prints what is missing and
exits 0 (skipped); ``--require`` makes that an error (exit 2).

The translated editions in folders of the site (``zh_CN/``, from ``tools/i18n.py
build-all``) are loaded too, page by page, from the same server (their language
switch links up to the English pages).

Usage: ``python tools/browser_check.py [SITE] [--require] [--no-remote]
[--timeout SECONDS]``; ``--has-chromium`` only answers (exit 0) whether a Chromium
is installed.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import sys
import threading
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import site_check  # noqa: E402  (tools/site_check.py: the list of pages)

SITE = site_check.SITE
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
            "chrome")
SKIPPED = 0
FAILED = 1
MISSING = 2


@dataclass
class PageResult:
    path: str
    errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def find_chromium() -> str | None:
    """The system's Chromium: ``$CHROMIUM``, else the first browser on the PATH."""
    env = os.environ.get("CHROMIUM")
    if env:
        return env if Path(env).is_file() else None
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def missing_requirements() -> list[str]:
    """What ``make test-browser`` lacks here (empty when it can run)."""
    missing = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("Playwright's Python package (.venv/bin/pip install -e '.[browser]')")
    if find_chromium() is None:
        missing.append("a Chromium browser (apt-get install chromium, or set CHROMIUM="
                       "/path/to/chrome)")
    return missing


def is_local(url: str, base: str) -> bool:
    """Whether the browser may fetch ``url``: the site's own server or inline data."""
    scheme = urlsplit(url).scheme
    return url.startswith(base) or scheme in ("data", "blob", "about")


def counted_errors(messages: list[tuple[str, str, str]], blocked: set[str]) -> list[str]:
    """The console messages ``(type, text, url)`` that count as errors: every
    ``error``, except a failed load of a resource that the check itself blocked."""
    out = []
    for kind, text, url in messages:
        if kind != "error":
            continue
        if text.startswith("Failed to load resource") and url in blocked:
            continue
        out.append(text if not url else f"{text} ({url})")
    return out


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # no access log on the terminal
        pass


def serve(site: Path) -> tuple[ThreadingHTTPServer, str]:
    """An HTTP server for ``site`` on 127.0.0.1 (a free port), running in a thread."""
    handler = functools.partial(_Quiet, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def failed_local(events: list[tuple[str, int | str]], base: str) -> list[str]:
    """The requests to the site itself that failed: ``(url, status)`` events, where a
    status is an HTTP code (failed from 400 up) or a network error's text."""
    out = []
    for url, status in events:
        if not url.startswith(base):
            continue
        if isinstance(status, str) or status >= 400:
            out.append(f"{status} {url[len(base) - 1:]}")
    return sorted(set(out))


def check_pages(site: Path, chromium: str, timeout_s: float = 30.0) -> list[PageResult]:
    """Load every page; return each page's console errors, blocked requests and failed
    requests to the site itself."""
    from playwright.sync_api import sync_playwright

    server, base = serve(site)
    results = []
    try:
        with sync_playwright() as p:
            # Chromium's sandbox cannot start as root, nor where unprivileged user
            # namespaces are restricted (Ubuntu 24.04's AppArmor, CI containers); the
            # pages are the site's own and every other host is blocked, so it is off.
            args = ["--no-sandbox"]
            browser = p.chromium.launch(executable_path=chromium, headless=True, args=args)
            try:
                for edition in [site] + site_check.editions(site):     # zh_CN/ too
                    for path in site_check.pages(edition, skip=False):
                        rel = path.relative_to(site).as_posix()
                        results.append(_check_one(browser, base, rel, timeout_s))
            finally:
                browser.close()
    finally:
        server.shutdown()
    return results


def _check_one(browser, base: str, rel: str, timeout_s: float) -> PageResult:
    page = browser.new_page()
    messages: list[tuple[str, str, str]] = []
    blocked: set[str] = set()
    exceptions: list[str] = []

    def route(r):
        if is_local(r.request.url, base):
            r.continue_()
        else:
            blocked.add(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: messages.append(
        (m.type, m.text, (m.location or {}).get("url", ""))))
    page.on("pageerror", lambda e: exceptions.append(f"uncaught: {e}"))
    requests: list[tuple[str, int | str]] = []
    page.on("response", lambda r: requests.append((r.url, r.status)))
    page.on("requestfailed", lambda r: requests.append(
        (r.url, str(getattr(r, "failure", None) or "failed"))))
    result = PageResult(path=rel)
    try:
        page.goto(base + rel, wait_until="load", timeout=timeout_s * 1000)
        page.wait_for_timeout(500)          # scripts that run just after load
    except Exception as exc:  # a page that does not load is an error too
        result.errors.append(f"did not load: {exc}")
    finally:
        page.close()
    result.errors += exceptions + counted_errors(messages, blocked)
    result.blocked = sorted(blocked)
    result.failed = failed_local(requests, base)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", nargs="?", default=str(SITE))
    parser.add_argument("--require", action="store_true",
                        help="exit 2 instead of skipping when Playwright or Chromium is missing")
    parser.add_argument("--no-remote", action="store_true",
                        help="fail when a page asks for anything on another host (the "
                             "offline build)")
    parser.add_argument("--has-chromium", action="store_true",
                        help="only say (exit 0 or 1) whether a Chromium is installed")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per page")
    args = parser.parse_args(argv)
    if args.has_chromium:
        return 0 if find_chromium() else 1
    site = Path(args.site)
    missing = missing_requirements()
    if missing:
        print("make test-browser: SKIPPED, this machine lacks " + "; ".join(missing))
        return MISSING if args.require else SKIPPED
    if not any(site.glob("*.html")):
        print(f"no built site in {site}: run `make book` first")
        return MISSING
    chromium = find_chromium()
    print(f"Chromium: {chromium}; site: {site}")
    results = check_pages(site, chromium, args.timeout)
    blocked = sorted({u for r in results for u in r.blocked})
    for r in results:
        remote = len(r.blocked) if args.no_remote else 0
        print(f"{r.path}: {len(r.errors)} console error(s), {len(r.failed)} failed "
              f"request(s)" + (f", {remote} request(s) to other hosts" if remote else ""))
        for error in r.errors:
            print("    ERROR:", error)
        for failed in r.failed:
            print("    FAILED REQUEST:", failed)
        for url in r.blocked if args.no_remote else ():
            print("    REMOTE (the offline site must not need it):", url)
    if blocked:
        verdict = ("not allowed with --no-remote" if args.no_remote
                   else "blocked, the check runs offline")
        print(f"requests to other hosts ({verdict}): {len(blocked)}")
        for url in blocked[:20]:
            print("    ", url)
    n = sum(len(r.errors) for r in results)
    n_failed = sum(len(r.failed) for r in results)
    n_remote = len(blocked) if args.no_remote else 0
    print(f"{len(results)} pages, {n} console error(s), {n_failed} failed request(s) to "
          "the site" + (f", {n_remote} remote URL(s)" if args.no_remote else ""))
    return FAILED if n or n_failed or n_remote else 0


if __name__ == "__main__":
    sys.exit(main())
