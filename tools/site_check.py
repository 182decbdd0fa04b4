"""Check the BUILT site (``book/_build/html``): every figure shows, exactly once.

For every HTML page of the site (not the theme's ``_static``/``_sources``
copies, nor Sphinx's ``genindex``/``search``):

* every ``<figure>`` (from ``{figure}`` or ``{glue:figure}``) holds an ``<img>``;
* every ``{figure}``/``{glue:figure}`` directive of the page's source (the
  notebook or Markdown file under ``book/``) has a ``<figure>`` on the page, with
  an image (a directive's ``:name:`` is the figure's ``id``);
* every ``<img src>`` resolves: a ``data:`` URI decodes, a relative path is a
  file of the site (a remote image is an error too: the site must work offline);
* no figure is so wide that the column shrinks its labels (PNG <= 1.1 x 672 px);
* no page shows the same image twice (compared by decoded pixels for PNGs, by
  bytes otherwise), the mark of a figure shown by its cell *and* by a glue;
* every image is a PNG, JPEG, GIF, SVG or WebP that decodes (a PNG is decoded);
* no cell shows an error: a traceback or stderr output, or a printed
  "Traceback (most recent call last)", fails unless its cell is tagged
  ``raises-exception`` (the tag that marks an error as intended, for myst-nb and
  nbval alike);
* no raw ``$...$`` (mathematics that was not parsed) in the text outside code;
* every internal link resolves: the page (or file) exists and its ``#anchor`` is
  an ``id`` of that page;
* every widget output (``application/vnd.jupyter.widget-view+json``) and every
  cell that calls ``interactive_figure(`` shows its static figure (an ``<img>``);
* every page built from a notebook has its launch buttons (Binder and Colab, for
  the repository in ``pyproject.toml``'s ``[tool.nntheory]``) and its ``.ipynb``
  download, and no inline script is included twice (a ``const`` in it would throw
  "Identifier ... has already been declared" in the browser);
* numbers per chapter: on chapter 4's page every numbered theorem, definition,
  example, exercise or figure reads "Theorem 4.k" with k = 1, 2, ... per kind in
  page order (appendices A, B, ...; other pages 1, 2, ...), as
  ``tools/nntheory_sphinx.py`` numbers them;
* the build's execution table (the ``{nb-exec-table}`` page) lists every notebook
  page, each run without error and within :data:`EXEC_BUDGET_S`; the build left no
  error report (``reports/*.log``);
* editions (``tools/i18n.py build-all``: a translated site in a folder of the English
  one, e.g. ``book/_build/html/zh_CN/``, found by its ``intro.html``): each is checked
  as a site of its own against the same sources, and both have the same pages, each
  with a language switch whose links lead to the same page in the other editions.

Usage: ``python tools/site_check.py [book/_build/html]`` prints the figures of
every page and the problems; it exits with status 1 when there are problems.
``tests/test_site.py`` runs the same checks (``make test-site``). Standard
library only (``html.parser``, ``tomllib``); PNGs are decoded with matplotlib when
present.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import importlib.util
import io
import json
import os
import re
import sys
import tomllib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "book" / "_build" / "html"
SKIP_DIRS = {"_static", "_sources", "_images", "_downloads"}
SKIP_PAGES = {"genindex.html", "search.html", "prf-prf.html", "index.html"}
#: Width of the page column in CSS pixels (as in nntheory.plotting).
COLUMN_PX = 672
#: A PNG wider than this is shown scaled down by more than 10 %, so its 9-pt labels
#: (12.5 px at 100 dpi) drop towards 9 px; figures from nntheory.plotting.figure()
#: are at most 670 px.
MAX_PNG_PX = int(1.1 * COLUMN_PX)
#: Seconds a notebook may take in the build's execution table. The book's budget is
#: 30 s per notebook on two idle CPU cores (CONVENTIONS.md); the table's time also
#: counts the kernel's start and the imports (torch: a few seconds) and a shared CI
#: machine's noise, so the check fails at 1.5x the budget, where a notebook is over
#: it for certain. ``NNTHEORY_EXEC_BUDGET_S`` overrides it.
EXEC_BUDGET_S = float(os.environ.get("NNTHEORY_EXEC_BUDGET_S", 45))
#: The cell tag that marks an error output as intended (myst-nb and nbval read it).
INTENDED_ERROR_TAG = "raises-exception"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
#: Text that is code, mathematics or a script: raw dollars there are not a problem.
_CODE_TAGS = {"pre", "code", "script", "style", "textarea", "kbd", "samp", "title"}
_CODE_CLASSES = {"math", "highlight", "cell_input", "MathJax", "notranslate"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
         "param", "source", "track", "wbr"}
_RAW_DOLLAR = re.compile(r"(?<![\\$\w])\$(?=[^\s$])[^$\n]{1,200}?(?<=[^\s\\$])\$(?![\w$])"
                         r"|\$\$[^$]+\$\$")
_ID = re.compile(r"""\s(?:id|name)\s*=\s*["']([^"']*)["']""")

_DIRECTIVE = re.compile(r"^\s*(?:`{3,}|:{3,})\s*\{(glue:figure|figure)\}\s*(\S*)", re.M)
_NAME = re.compile(r"^\s*:name:\s*(\S+)", re.M)
_CLOSE = re.compile(r"^\s*(?:`{3,}|:{3,})\s*$", re.M)


@dataclass
class Image:
    src: str
    in_figure: str | None          # id of the enclosing <figure>, "" if it has none
    data: bytes | None = None      # the image's bytes, when it resolved
    problem: str | None = None
    theme: bool = False            # an icon of the theme (_static/), not a figure


@dataclass
class Figure:
    id: str
    images: int = 0
    caption: str = ""


@dataclass
class Page:
    path: str
    figures: list[Figure] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def content(self) -> list[Image]:
        """The page's own images (figures and cell outputs), not the theme's icons."""
        return [i for i in self.images if not i.theme]

    def widths(self) -> list[int]:
        """Pixel widths of the page's PNG images (the column is about 672 px)."""
        return [png_width(i.data) for i in self.content
                if i.data and i.data[:8] == b"\x89PNG\r\n\x1a\n"]

    def summary(self) -> str:
        figs = ", ".join(f"{f.id or '(no id)'}:{f.images}" for f in self.figures) or "-"
        loose = sum(1 for i in self.content if i.in_figure is None)
        widths = self.widths()
        wide = f"; PNG widths {min(widths)}-{max(widths)} px" if widths else ""
        return (f"{self.path}: {len(self.content)} image(s); figures [{figs}]; "
                f"{loose} uncaptioned{wide}; {len(self.problems)} problem(s)")


def png_width(data: bytes) -> int:
    return int.from_bytes(data[16:20], "big")


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.figures: list[Figure] = []
        self.images: list[Image] = []
        self._stack: list[Figure] = []
        self._in_caption = 0
        self._depth_at_caption: list[int] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "figure":
            fig = Figure(id=a.get("id") or "")
            self.figures.append(fig)
            self._stack.append(fig)
        elif tag == "figcaption":
            self._in_caption += 1
        elif tag == "img":
            inside = self._stack[-1].id if self._stack else None
            if self._stack:
                for fig in self._stack:
                    fig.images += 1
            self.images.append(Image(src=a.get("src") or "", in_figure=inside))

    def handle_endtag(self, tag):
        if tag == "figure" and self._stack:
            self._stack.pop()
        elif tag == "figcaption" and self._in_caption:
            self._in_caption -= 1

    def handle_data(self, data):
        if self._in_caption and self._stack:
            self._stack[-1].caption += data


def _resolve(img: Image, page: Path, site: Path) -> None:
    src = img.src.strip()
    if not src:
        img.problem = "an <img> without src"
        return
    if src.startswith("data:"):
        head, _, payload = src.partition(",")
        try:
            img.data = (base64.b64decode(payload) if head.endswith(";base64")
                        else unquote(payload).encode())
        except ValueError:
            img.problem = f"an <img> whose data: URI does not decode ({head})"
        return
    parts = urlsplit(src)
    if parts.scheme or parts.netloc:
        img.problem = f"a remote image ({src[:80]}): the site must work offline"
        return
    target = (page.parent / unquote(parts.path)).resolve()
    try:
        target.relative_to(site.resolve())
    except ValueError:
        img.problem = f"an <img> outside the site: {src}"
        return
    if not target.is_file():
        img.problem = f"an <img> whose file is missing: {src}"
        return
    img.data = target.read_bytes()
    img.theme = target.relative_to(site.resolve()).parts[0] == "_static"


def _fingerprint(data: bytes) -> str:
    """Hash of the decoded pixels for a PNG (metadata ignored), of the bytes otherwise."""
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        try:
            import matplotlib.image as mpimg

            pixels = mpimg.imread(io.BytesIO(data), format="png")
            return "png:" + hashlib.sha256(
                str(pixels.shape).encode() + pixels.tobytes()).hexdigest()
        except Exception:  # no matplotlib, or a PNG it cannot read: compare bytes
            pass
    return "bytes:" + hashlib.sha256(data).hexdigest()


def source_figures(source: Path) -> list[str]:
    """Names (or ``""``) of the figure directives in a page source (.md or .ipynb)."""
    text = source.read_text(encoding="utf-8")
    if source.suffix == ".ipynb":
        cells = json.loads(text)["cells"]
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    names = []
    for m in _DIRECTIVE.finditer(text):
        kind, arg = m.groups()
        rest = text[m.end():]
        end = _CLOSE.search(rest)
        name = _NAME.search(rest[:end.start()] if end else rest)
        names.append(name.group(1) if name else (arg if kind == "glue:figure" else ""))
    return names


def check_page(html: str, page: Path, site: Path, source: Path | None = None,
               repository: dict[str, str] | None = None) -> Page:
    """Parse one page and list its figures, images and problems."""
    parser = _Parser()
    parser.feed(html)
    result = Page(path=page.relative_to(site).as_posix() if page.is_relative_to(site)
                  else page.name, figures=parser.figures, images=parser.images)
    for fig in parser.figures:
        if fig.images == 0:
            result.problems.append(f"figure {fig.id or '(no id)'!r} has no <img>")
    seen: dict[str, str] = {}
    for img in parser.images:
        _resolve(img, page, site)
        if img.problem:
            result.problems.append(img.problem)
            continue
        bad = image_problem(img)
        if bad:
            result.problems.append(bad)
            continue
        if img.theme:
            continue
        if img.data[:8] == b"\x89PNG\r\n\x1a\n" and png_width(img.data) > MAX_PNG_PX:
            result.problems.append(
                f"an image {png_width(img.data)} px wide ({img.src[:60]!r}): the "
                f"{COLUMN_PX}-px column shrinks it and its labels; make it with "
                "nntheory.plotting.figure()")
        key = _fingerprint(img.data)
        if key in seen:
            result.problems.append(
                f"the same image is shown twice: {img.src[:60]!r} (in figure "
                f"{img.in_figure!r}) repeats {seen[key][:60]!r}")
        else:
            seen[key] = img.src
    if source is not None and source.is_file():
        ids = {f.id: f for f in parser.figures}
        names = source_figures(source)
        for name in names:
            if name and name not in ids:
                result.problems.append(f"figure directive {name!r} of {source.name} has no "
                                       "<figure> on the page")
        if len(parser.figures) < len(names):
            result.problems.append(f"{source.name} has {len(names)} figure directives but the "
                                   f"page has {len(parser.figures)} <figure> elements")
    result.problems += structure_problems(html, page, site, source, repository)
    return result



# ----------------------------------------------- cells, links, text and scripts of a page


@dataclass
class Cell:
    """One notebook cell of a page (``<div class="cell ...">``)."""
    tags: set[str]
    input_text: str = ""
    images: int = 0
    errors: list[str] = field(default_factory=list)
    widget: bool = False
    printed_traceback: bool = False


class _Structure(HTMLParser):
    """Cells, links, ids, inline scripts and the text outside code of one page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, set[str], Cell | None]] = []
        self.cells: list[Cell] = []
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.scripts: list[str] = []
        self.raw_dollars: list[str] = []
        self._script: list[str] | None = None
        self._code_depth = 0
        self._input_depth = 0
        self._output_depth = 0

    def _cell(self) -> Cell | None:
        for _, _, cell in reversed(self.stack):
            if cell is not None:
                return cell
        return None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        classes = set(a.get("class", "").split())
        for key in ("id", "name"):
            if a.get(key):
                self.ids.add(a[key])
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        if tag == "img":
            cell = self._cell()
            if cell is not None and self._output_depth:
                cell.images += 1
        if tag == "script":
            kind = a.get("type", "text/javascript")
            cell = self._cell()
            if kind == WIDGET_MIME and cell is not None:
                cell.widget = True
            if "src" not in a and kind in ("text/javascript", "module", ""):
                self._script = []
        if tag in _VOID:
            return
        cell = None
        if tag == "div" and "cell" in classes:
            cell = Cell(tags={c[4:] for c in classes if c.startswith("tag_")})
            self.cells.append(cell)
        current = self._cell()
        if current is not None and ({"traceback"} <= classes
                                    or {"output", "stderr"} <= classes):
            current.errors.append("traceback" if "traceback" in classes else "stderr")
        code = tag in _CODE_TAGS or bool(classes & _CODE_CLASSES)
        self._code_depth += code
        self._input_depth += "cell_input" in classes
        self._output_depth += "cell_output" in classes
        self.stack.append((tag, classes, cell))

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append("".join(self._script).strip())
            self._script = None
        if tag in _VOID or not any(t == tag for t, _, _ in self.stack):
            return
        while self.stack:
            t, classes, _ = self.stack.pop()
            self._code_depth -= t in _CODE_TAGS or bool(classes & _CODE_CLASSES)
            self._input_depth -= "cell_input" in classes
            self._output_depth -= "cell_output" in classes
            if t == tag:
                break

    def handle_data(self, data):
        if self._script is not None:
            self._script.append(data)
        cell = self._cell()
        if cell is not None and self._input_depth:
            cell.input_text += data
        if cell is not None and self._output_depth and \
                "Traceback (most recent call last)" in data:
            cell.printed_traceback = True
        if not self._code_depth:
            self.raw_dollars += [m.group(0) for m in _RAW_DOLLAR.finditer(data)]


def repository_settings(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, str]:
    """``owner``, ``name`` and ``branch`` of ``[tool.nntheory]`` in pyproject.toml."""
    tool = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["nntheory"]
    owner, name = tool["repository"].rstrip("/").split("/")[-2:]
    return {"owner": owner, "name": name, "branch": tool.get("branch", "main")}


_IDS: dict[Path, set[str]] = {}


def page_ids(path: Path) -> set[str]:
    """The ``id``/``name`` anchors of a built page (read once per path)."""
    if path not in _IDS:
        _IDS[path] = set(_ID.findall(path.read_text(encoding="utf-8", errors="replace")))
    return _IDS[path]


def has_exercises(source: Path) -> bool:
    """Whether a chapter notebook holds exercises (its page then offers a student copy)."""
    if source.parent.name != "chapters":
        return False
    cells = json.loads(source.read_text(encoding="utf-8"))["cells"]
    return any("```{exercise}" in "".join(c["source"]) for c in cells
               if c["cell_type"] == "markdown")


def link_problem(href: str, page: Path, site: Path, own_ids: set[str]) -> str | None:
    """Why an ``<a href>`` of ``page`` does not resolve (None when it does)."""
    parts = urlsplit(href.strip())
    if parts.scheme or parts.netloc or href.strip() in ("", "#"):
        return None                                   # remote, mailto:, javascript:, "#"
    fragment = unquote(parts.fragment)
    if not parts.path:
        target, ids = page, own_ids
    else:
        target = (page.parent / unquote(parts.path)).resolve()
        if parts.path.endswith("/") or target.is_dir():
            target = target / "index.html"
        # an edition's pages may link to the English site above it (the language switch)
        home = site.parent if site in editions(site.parent) else site
        try:
            target.relative_to(home.resolve())
        except ValueError:
            return f"a link outside the site: {href}"
        if not target.is_file():
            return f"a link to a missing page or file: {href}"
        if not fragment:
            return None
        if target.suffix != ".html":
            return None
        ids = page_ids(target)
    if fragment and fragment not in ids:
        return f"a link to a missing anchor: {href}"
    return None


def image_problem(img: Image) -> str | None:
    """Why an image's bytes would not show in a browser (None when they would)."""
    data = img.data or b""
    head = data[:512].lstrip()
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        try:
            import matplotlib.image as mpimg
        except ImportError:
            return None
        try:
            mpimg.imread(io.BytesIO(data), format="png")
        except Exception as exc:  # a truncated or corrupt PNG
            return f"a PNG that does not decode ({img.src[:60]!r}): {exc}"
        return None
    if (data[:3] == b"\xff\xd8\xff" or data[:4] == b"GIF8"
            or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")
            or head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head)):
        return None
    return (f"an image that is not a PNG, JPEG, GIF, SVG or WebP ({img.src[:60]!r}, "
            f"{len(data)} bytes): it will not load")


def _sphinx_extension():
    """tools/nntheory_sphinx.py (its chapter_labels: one rule for the build and the check)."""
    spec = importlib.util.spec_from_file_location(
        "nntheory_sphinx", Path(__file__).resolve().parent / "nntheory_sphinx.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.lru_cache(maxsize=8)
def chapter_labels(site: Path) -> dict[str, str]:
    """``{"chapters/04_x": "4", "chapters/appendix_y": "A", ...}`` for a built site."""
    docs = [p.relative_to(site).with_suffix("").as_posix() for p in pages(site, skip=False)]
    return _sphinx_extension().chapter_labels(docs)


_CAPTION_NUMBER = re.compile(r'<span class="caption-number">\s*([^<]*?)\s+'
                             r"([0-9A-Z]+(?:\.\d+)*)\s*</span>")


def numbering_problems(html: str, label: str | None) -> list[str]:
    """Numbered items of a page that are not numbered per chapter: with the chapter's
    ``label`` ("4"), the k-th item of each kind must read "4.k"; without, "k"."""
    problems, count = [], {}
    for kind, number in _CAPTION_NUMBER.findall(html):
        count[kind] = count.get(kind, 0) + 1
        expected = f"{label}.{count[kind]}" if label else str(count[kind])
        if number != expected:
            problems.append(f"numbering: {kind} {number} is item {count[kind]} of its kind "
                            f"on this page, expected {kind} {expected} (numbers per chapter: "
                            "tools/nntheory_sphinx.py)")
    return problems


def structure_problems(html: str, page: Path, site: Path, source: Path | None,
                       repository: dict[str, str] | None) -> list[str]:
    """The checks of cells, text, links, scripts and launch buttons for one page."""
    parser = _Structure()
    parser.feed(html)
    problems = []
    for n, cell in enumerate(parser.cells, 1):
        where = f"cell {n}"
        intended = INTENDED_ERROR_TAG in cell.tags
        if not intended:
            problems += [f"{where} shows a {kind} output (tag the cell "
                         f"`{INTENDED_ERROR_TAG}` if the error is intended)"
                         for kind in dict.fromkeys(cell.errors)]
            if cell.printed_traceback and not cell.errors:
                problems.append(f"{where} prints a traceback (tag the cell "
                                f"`{INTENDED_ERROR_TAG}` if the error is intended)")
        if (cell.widget or "interactive_figure(" in cell.input_text) and not cell.images:
            problems.append(f"{where} has a widget output without its static figure")
    for text in dict.fromkeys(parser.raw_dollars):
        problems.append(f"raw TeX outside code (the maths was not parsed): {text[:60]!r}")
    for href in dict.fromkeys(parser.links):
        problem = link_problem(href, page, site, parser.ids)
        if problem:
            problems.append(problem)
    if page.is_relative_to(site):
        doc = page.relative_to(site).with_suffix("").as_posix()
        problems += numbering_problems(html, chapter_labels(site).get(doc))
    seen = set()
    for body in parser.scripts:
        if body and body in seen:
            problems.append(f"an inline script is included twice: {body[:70]!r}")
        seen.add(body)
    if source is not None and source.suffix == ".ipynb" and repository is not None:
        rel = page.relative_to(site).with_suffix(".ipynb").as_posix()
        r = repository
        wanted = {
            "Binder": f"https://mybinder.org/v2/gh/{r['owner']}/{r['name']}/{r['branch']}?",
            "Colab": (f"https://colab.research.google.com/github/{r['owner']}/{r['name']}"
                      f"/blob/{r['branch']}/"),
        }
        for name, prefix in wanted.items():
            if not any(h.startswith(prefix) and h.endswith(rel) for h in parser.links):
                problems.append(f"no {name} launch button for {rel} ({prefix}...)")
        if not any(urlsplit(h).path.endswith("_sources/" + rel) for h in parser.links):
            problems.append(f"no .ipynb download button (_sources/{rel})")
        if has_exercises(source) and not any(
                urlsplit(h).path.endswith(f"_static/student/{source.name}")
                for h in parser.links):
            problems.append(f"no student-copy download for {rel} "
                            f"(_static/student/{source.name}; tools/student_downloads.py)")
    return problems


# ------------------------------------------------------------- the build's execution table


def execution_table(site: Path = SITE) -> tuple[Path | None, list[tuple[str, float, str]]]:
    """The ``{nb-exec-table}`` page and its rows: (page path in the site, seconds, status)."""
    for path in pages(site, skip=False):
        html = path.read_text(encoding="utf-8")
        if "Run Time (s)" not in html:
            continue
        rows = []
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S):
            cells = [re.sub(r"<[^>]+>", "", c).strip()
                     for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            href = re.search(r'href="([^"#]+)', row)
            if len(cells) < 5 or not href:
                continue
            target = (path.parent / href.group(1)).resolve().relative_to(site.resolve())
            try:
                seconds = float(cells[3])
            except ValueError:
                seconds = float("nan")
            rows.append((target.as_posix(), seconds, cells[4]))
        return path, rows
    return None, []


def check_execution(site: Path = SITE, book: Path = ROOT / "book",
                    budget_s: float | None = None) -> list[str]:
    """Every notebook page ran, without error, within the budget (the build's table)."""
    budget_s = EXEC_BUDGET_S if budget_s is None else budget_s
    problems = []
    reports = sorted((site / "reports").rglob("*.log")) if (site / "reports").is_dir() else []
    problems += [f"the build left an error report: reports/{r.relative_to(site / 'reports')}"
                 for r in reports]
    table, rows = execution_table(site)
    if table is None:
        return problems + ["no execution-time table ({nb-exec-table}) in the site"]
    timed = {}
    for target, seconds, status in rows:
        timed[target] = seconds
        if status != "\u2705":
            problems.append(f"{target}: execution status {status!r} in the build's table")
        if not seconds <= budget_s:
            problems.append(f"{target} took {seconds} s to execute in the build: over the "
                            f"{budget_s:g}-s budget")
    for path in pages(site):
        source = source_of(path, site, book)
        rel = path.relative_to(site).as_posix()
        if source is not None and source.suffix == ".ipynb" and rel not in timed:
            problems.append(f"{rel} is not in the build's execution table (not executed?)")
    return problems

def editions(site: Path = SITE) -> list[Path]:
    """The translated editions built into folders of ``site`` (each a whole site: its
    own ``intro.html``), e.g. ``book/_build/html/zh_CN``."""
    if not site.is_dir():
        return []
    return sorted(d for d in site.iterdir()
                  if d.is_dir() and d.name not in SKIP_DIRS and (d / "intro.html").is_file())


def pages(site: Path = SITE, skip: bool = True):
    """The pages of ``site``, without the theme's folders and the editions' folders."""
    skip_dirs = SKIP_DIRS | {d.name for d in editions(site)}
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site)
        if rel.parts[0] in skip_dirs or (skip and rel.as_posix() in SKIP_PAGES):
            continue
        yield path


SWITCH = re.compile(r'<p class="nntheory-language-switch">(.*?)</p>', re.S)


def edition_problems(site: Path = SITE) -> list[str]:
    """Every edition of ``site`` has the same pages as the English one, and every page
    of each (but :data:`SKIP_PAGES`: the index, search and redirect pages) has a language
    switch linking to the same page in each other edition (a file that exists). Nothing
    to check for a site without editions."""
    others = editions(site)
    if not others:
        return []
    sites = {"": site, **{d.name: d for d in others}}
    listing = {code: {p.relative_to(s).as_posix() for p in pages(s, skip=False)}
               for code, s in sites.items()}
    problems = []
    for code, rels in listing.items():
        if code:
            for rel in sorted(listing[""] - rels):
                problems.append(f"{code}/: no page {rel} (the English edition has it)")
            for rel in sorted(rels - listing[""]):
                problems.append(f"{code}/{rel}: a page the English edition lacks")
    for code, s in sites.items():
        for rel in sorted(listing[code] - SKIP_PAGES):     # Sphinx's generated pages and
            page = s / rel                                 # the redirect have no body
            switch = SWITCH.search(page.read_text(encoding="utf-8"))
            where = f"{code}/{rel}" if code else rel
            if not switch:
                problems.append(f"{where}: no language switch")
                continue
            hrefs = re.findall(r'href="([^"]+)"', switch.group(1))
            for other, target_site in sites.items():
                if other == code:
                    continue
                wanted = (target_site / rel).resolve()
                if not any((page.parent / h).resolve() == wanted for h in hrefs):
                    problems.append(f"{where}: the language switch has no link to "
                                    f"{(other + '/') if other else ''}{rel}")
                elif not wanted.is_file():
                    problems.append(f"{where}: the language switch leads to a missing "
                                    f"page {(other + '/') if other else ''}{rel}")
    return problems


def source_of(page: Path, site: Path = SITE, book: Path = ROOT / "book") -> Path | None:
    stem = page.relative_to(site).with_suffix("")
    for suffix in (".ipynb", ".md"):
        candidate = book / stem.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    return None


def check_site(site: Path = SITE, book: Path = ROOT / "book",
               repository: dict[str, str] | None = None) -> list[Page]:
    """Every page's problems; ``repository`` (owner, name, branch) defaults to the
    ``[tool.nntheory]`` setting of pyproject.toml (it names the launch buttons' links)."""
    repository = repository_settings() if repository is None else repository
    _IDS.clear()
    return [check_page(p.read_text(encoding="utf-8"), p, site, source_of(p, site, book),
                       repository) for p in pages(site)]


def main(argv: list[str]) -> int:
    site = Path(argv[1]) if len(argv) > 1 else SITE
    if not (site / "intro.html").is_file() and not any(site.glob("*.html")):
        print(f"no built site in {site}: run `make book` first")
        return 2
    book = Path(argv[2]) if len(argv) > 2 else ROOT / "book"
    n_all = 0
    for edition in [site] + editions(site):
        if edition != site:
            print(f"--- the edition in {edition.name}/")
        results = check_site(edition, book)
        for page in results:
            print(page.summary())
            for problem in page.problems:
                print("    PROBLEM:", problem)
        execution = check_execution(edition, book)
        for problem in execution:
            print("    PROBLEM (execution):", problem)
        n = sum(len(p.problems) for p in results) + len(execution)
        print(f"{len(results)} pages, {sum(len(p.content) for p in results)} images, "
              f"{n} problem(s)")
        n_all += n
    switch = edition_problems(site)
    for problem in switch:
        print("    PROBLEM (editions):", problem)
    if editions(site):
        print(f"editions {', '.join(d.name for d in editions(site))}: {len(switch)} "
              "problem(s) with their pages and language switches")
    return 1 if n_all + len(switch) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
