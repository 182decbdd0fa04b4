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
  bytes otherwise), the mark of a figure shown by its cell *and* by a glue.

Usage: ``python tools/site_check.py [book/_build/html]`` prints the figures of
every page and the problems; it exits with status 1 when there are problems.
``tests/test_site.py`` runs the same checks (``make test-site``). Standard
library only (``html.parser``); PNGs are decoded with matplotlib when present.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import sys
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


def check_page(html: str, page: Path, site: Path, source: Path | None = None) -> Page:
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
    return result


def pages(site: Path = SITE):
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site)
        if rel.parts[0] in SKIP_DIRS or rel.as_posix() in SKIP_PAGES:
            continue
        yield path


def source_of(page: Path, site: Path = SITE, book: Path = ROOT / "book") -> Path | None:
    stem = page.relative_to(site).with_suffix("")
    for suffix in (".ipynb", ".md"):
        candidate = book / stem.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    return None


def check_site(site: Path = SITE, book: Path = ROOT / "book") -> list[Page]:
    return [check_page(p.read_text(encoding="utf-8"), p, site, source_of(p, site, book))
            for p in pages(site)]


def main(argv: list[str]) -> int:
    site = Path(argv[1]) if len(argv) > 1 else SITE
    if not (site / "intro.html").is_file() and not any(site.glob("*.html")):
        print(f"no built site in {site}: run `make book` first")
        return 2
    book = Path(argv[2]) if len(argv) > 2 else ROOT / "book"
    results = check_site(site, book)
    for page in results:
        print(page.summary())
        for problem in page.problems:
            print("    PROBLEM:", problem)
    n = sum(len(p.problems) for p in results)
    print(f"{len(results)} pages, {sum(len(p.content) for p in results)} images, "
          f"{n} problem(s)")
    return 1 if n else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
