"""``make test-browser`` (tools/browser_check.py), tested without a browser.

The real run needs Playwright and the system's Chromium (README); here a fake
Playwright stands in for the browser: it fetches each page from the check's own
HTTP server (so serving and the page list are real), asks the check's request
router about every ``<script src>`` (so blocking is real), and reports what a
browser's console would: a blocked resource's failed load, and the
``SyntaxError`` that a ``const`` declared twice raises; each resource fetched from
the site is reported with its HTTP status, as Playwright's ``response`` event
does. The filtering, the verdicts and the skip path are the check's own code.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import types
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
_spec = importlib.util.spec_from_file_location("browser_check",
                                               ROOT / "tools" / "browser_check.py")
browser_check = importlib.util.module_from_spec(_spec)
sys.modules["browser_check"] = browser_check
_spec.loader.exec_module(browser_check)


def test_console_errors_are_counted_except_blocked_loads():
    blocked = {"https://cdn.example/mathjax.js"}
    messages = [("error", "Failed to load resource: net::ERR_FAILED",
                 "https://cdn.example/mathjax.js"),
                ("error", "Failed to load resource: 404", "http://127.0.0.1:1/_static/x.js"),
                ("warning", "deprecated", ""),
                ("error", "Uncaught SyntaxError: Identifier 'A' has already been declared",
                 "")]
    assert browser_check.counted_errors(messages, blocked) == [
        "Failed to load resource: 404 (http://127.0.0.1:1/_static/x.js)",
        "Uncaught SyntaxError: Identifier 'A' has already been declared"]


def test_only_the_site_itself_is_fetched():
    base = "http://127.0.0.1:8765/"
    assert browser_check.is_local(base + "chapters/a.html", base)
    assert browser_check.is_local("data:image/png;base64,AAAA", base)
    assert not browser_check.is_local("https://cdn.jsdelivr.net/npm/mathjax@3/x.js", base)
    assert not browser_check.is_local("http://127.0.0.1:9999/", base)


def test_without_playwright_or_chromium_it_skips_with_a_message(monkeypatch, capsys):
    monkeypatch.setattr(browser_check, "missing_requirements",
                        lambda: ["a Chromium browser (apt-get install chromium)"])
    assert browser_check.main([]) == 0
    out = capsys.readouterr().out
    assert "SKIPPED" in out and "apt-get install chromium" in out
    assert browser_check.main(["--require"]) == 2


def test_chromium_is_found_from_the_environment_variable(monkeypatch, tmp_path):
    exe = tmp_path / "chrome"
    exe.write_text("")
    monkeypatch.setenv("CHROMIUM", str(exe))
    assert browser_check.find_chromium() == str(exe)
    monkeypatch.setenv("CHROMIUM", str(tmp_path / "none"))
    assert browser_check.find_chromium() is None


# ------------------------------------------------------------------- a fake Playwright


class _Request:
    def __init__(self, url):
        self.url = url


class _Route:
    def __init__(self, url):
        self.request = _Request(url)
        self.aborted = False

    def continue_(self):
        pass

    def abort(self):
        self.aborted = True


class _Response:
    def __init__(self, url, status):
        self.url, self.status = url, status


class _Message:
    def __init__(self, kind, text, url=""):
        self.type, self.text, self.location = kind, text, {"url": url}


class _Page:
    def __init__(self):
        self.handlers, self.router = {}, None

    def route(self, pattern, handler):
        self.router = handler

    def on(self, event, handler):
        self.handlers[event] = handler

    def goto(self, url, wait_until, timeout):
        route = _Route(url)
        self.router(route)
        assert not route.aborted, "the check blocked its own site"
        html = urllib.request.urlopen(url, timeout=10).read().decode()
        self.handlers["response"](_Response(url, 200))
        for src in re.findall(r'<(?:script|img)[^>]+src="([^"]+)"', html):
            src = urllib.parse.urljoin(url, src)          # as a browser resolves it
            route = _Route(src)
            self.router(route)
            if route.aborted:
                self.handlers["console"](_Message(
                    "error", "Failed to load resource: net::ERR_FAILED", src))
                continue
            try:
                status = urllib.request.urlopen(src, timeout=10).status
            except urllib.error.HTTPError as err:
                status = err.code
            self.handlers["response"](_Response(src, status))
        declared = set()
        for name in re.findall(r"\bconst (\w+)", html):
            if name in declared:
                self.handlers["pageerror"](
                    f"SyntaxError: Identifier '{name}' has already been declared")
            declared.add(name)

    def wait_for_timeout(self, ms):
        pass

    def close(self):
        pass


class _Browser:
    def new_page(self):
        return _Page()

    def close(self):
        pass


class _Playwright:
    def __init__(self):
        self.chromium = types.SimpleNamespace(launch=self.launch)
        self.launched = []

    def launch(self, executable_path, headless, args):
        self.launched.append(executable_path)
        assert headless
        return _Browser()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.fixture
def fake_playwright(monkeypatch):
    fake = _Playwright()
    sync_api = types.ModuleType("playwright.sync_api")
    sync_api.sync_playwright = lambda: fake
    package = types.ModuleType("playwright")
    package.sync_api = sync_api
    monkeypatch.setitem(sys.modules, "playwright", package)
    monkeypatch.setitem(sys.modules, "playwright.sync_api", sync_api)
    return fake


def _site(tmp_path, head):
    site = tmp_path / "html"
    (site / "chapters").mkdir(parents=True)
    (site / "_static").mkdir()
    (site / "_static" / "x.js").write_text("")
    page = ("<html><head>{head}<script src='_static/x.js'></script></head>"
            "<body>ok</body></html>")
    (site / "intro.html").write_text(page.format(head=head).replace("'", '"'))
    (site / "chapters" / "a.html").write_text(
        page.format(head="").replace("_static", "../_static").replace("'", '"'))
    return site


CDN = '<script src="https://cdn.example/mathjax.js"></script>'
TWICE = "<script>const THEBE_JS_URL = 1</script><script>const THEBE_JS_URL = 1</script>"


def test_a_clean_site_passes_and_external_requests_are_blocked(tmp_path, fake_playwright):
    site = _site(tmp_path, CDN)
    results = browser_check.check_pages(site, "/usr/bin/chromium")
    assert fake_playwright.launched == ["/usr/bin/chromium"]
    assert [r.path for r in results] == ["chapters/a.html", "intro.html"]
    assert all(r.errors == [] for r in results)
    assert results[1].blocked == ["https://cdn.example/mathjax.js"]


def test_a_script_declared_twice_fails(tmp_path, fake_playwright, monkeypatch, capsys):
    site = _site(tmp_path, TWICE)
    results = browser_check.check_pages(site, "/usr/bin/chromium")
    assert results[1].errors == [
        "uncaught: SyntaxError: Identifier 'THEBE_JS_URL' has already been declared"]
    monkeypatch.setattr(browser_check, "missing_requirements", lambda: [])
    monkeypatch.setattr(browser_check, "find_chromium", lambda: "/usr/bin/chromium")
    assert browser_check.main([str(site)]) == 1
    assert "ERROR: uncaught: SyntaxError" in capsys.readouterr().out
    assert browser_check.main([str(_site(tmp_path / "ok", ""))]) == 0


def test_failed_requests_to_the_site_are_errors_and_others_are_not():
    base = "http://127.0.0.1:8765/"
    events = [(base + "intro.html", 200), (base + "favicon.ico", 404),
              (base + "_static/a.js", "net::ERR_ABORTED"), ("https://cdn.example/x.js", 404),
              (base + "_static/b.css", 304)]
    assert browser_check.failed_local(events, base) == ["404 /favicon.ico",
                                                        "net::ERR_ABORTED /_static/a.js"]


def test_a_missing_local_file_fails_the_page(tmp_path, fake_playwright, monkeypatch, capsys):
    site = _site(tmp_path, '<img src="missing.png">')
    results = browser_check.check_pages(site, "/usr/bin/chromium")
    assert results[1].failed == ["404 /missing.png"] and results[0].failed == []
    monkeypatch.setattr(browser_check, "missing_requirements", lambda: [])
    monkeypatch.setattr(browser_check, "find_chromium", lambda: "/usr/bin/chromium")
    assert browser_check.main([str(site)]) == 1
    assert "FAILED REQUEST: 404 /missing.png" in capsys.readouterr().out


def test_no_remote_fails_a_page_that_needs_a_cdn(tmp_path, fake_playwright, monkeypatch,
                                                 capsys):
    monkeypatch.setattr(browser_check, "missing_requirements", lambda: [])
    monkeypatch.setattr(browser_check, "find_chromium", lambda: "/usr/bin/chromium")
    site = _site(tmp_path, CDN)
    assert browser_check.main([str(site)]) == 0               # blocked, not an error
    assert browser_check.main([str(site), "--no-remote"]) == 1
    out = capsys.readouterr().out
    assert "REMOTE (the offline site must not need it): https://cdn.example/mathjax.js" in out
    assert browser_check.main([str(_site(tmp_path / "ok", "")), "--no-remote"]) == 0


def test_has_chromium_answers_by_exit_status(monkeypatch):
    monkeypatch.setattr(browser_check, "find_chromium", lambda: None)
    assert browser_check.main(["--has-chromium"]) == 1
    monkeypatch.setattr(browser_check, "find_chromium", lambda: "/usr/bin/chromium")
    assert browser_check.main(["--has-chromium"]) == 0
