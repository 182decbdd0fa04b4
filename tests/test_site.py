"""The BUILT site is checked as a reader's browser would see it (``make test-site``).

The checks live in ``tools/site_check.py`` (also a command that prints the figures
and problems of every page): every figure shown exactly once, images that load, no
error output, no raw TeX, links and anchors that resolve, widgets with their static
figure, launch buttons on every notebook page, every notebook run within the budget.
The first tests prove on tiny hand-written pages that each check can fail; the
real-site test runs them on ``book/_build/html`` and is skipped, saying so, when the
site has not been built.
"""

from __future__ import annotations

import base64
import importlib.util
import io
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("site_check", ROOT / "tools" / "site_check.py")
site_check = importlib.util.module_from_spec(_spec)
sys.modules["site_check"] = site_check       # dataclasses look their module up there
_spec.loader.exec_module(site_check)


def _png(value: float) -> bytes:
    """A tiny PNG of one grey level (distinct values give distinct images)."""
    mpimg = pytest.importorskip("matplotlib.image")
    import numpy as np

    buf = io.BytesIO()
    mpimg.imsave(buf, np.full((4, 6), value), cmap="gray", vmin=0, vmax=1, format="png")
    return buf.getvalue()


def _uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


PAGE = """<html><body><main>
<h1>A page</h1>
{body}
</main></body></html>"""

GOOD_BODY = """
<div class="cell_output"><img alt="uncaptioned" src="../_images/a.png" /></div>
<figure class="align-default" id="fig-one">
  <div class="cell_output"><img src="../_images/b.png" /></div>
  <figcaption><p><span class="caption-number">Fig. 1 </span>A caption.</p></figcaption>
</figure>
<figure id="fig-two"><img src="{uri_c}" /><figcaption>Inline.</figcaption></figure>
"""

SOURCE = """# A page

```{glue:figure} fig-one
:name: fig-one

A caption.
```

:::{figure} ../_images/c.png
:name: fig-two

Inline.
:::
"""


def _site(tmp_path: Path, body: str, source: str | None = SOURCE):
    site = tmp_path / "html"
    (site / "_images").mkdir(parents=True)
    (site / "chapters").mkdir()
    (site / "_images" / "a.png").write_bytes(_png(0.1))
    (site / "_images" / "b.png").write_bytes(_png(0.5))
    (site / "_images" / "b_copy.png").write_bytes(_png(0.5))
    page = site / "chapters" / "page.html"
    page.write_text(PAGE.format(body=body.replace("{uri_c}", _uri(_png(0.9)))))
    book = tmp_path / "book"
    (book / "chapters").mkdir(parents=True)
    if source is not None:
        (book / "chapters" / "page.md").write_text(source)
    return site, book


def _problems(tmp_path, body, source=SOURCE):
    site, book = _site(tmp_path, body, source)
    pages = site_check.check_site(site, book)
    assert [p.path for p in pages] == ["chapters/page.html"]
    return pages[0]


def test_a_good_page_passes(tmp_path):
    page = _problems(tmp_path, GOOD_BODY)
    assert page.problems == []
    assert [(f.id, f.images) for f in page.figures] == [("fig-one", 1), ("fig-two", 1)]
    assert len(page.images) == 3


def test_a_captioned_figure_without_image_fails(tmp_path):
    body = GOOD_BODY.replace('<div class="cell_output"><img src="../_images/b.png" /></div>',
                             '<div class="cell_output"></div>')
    page = _problems(tmp_path, body)
    assert page.problems == ["figure 'fig-one' has no <img>"]


def test_a_figure_directive_that_renders_nothing_fails(tmp_path):
    start = GOOD_BODY.index('<figure class="align-default"')
    end = GOOD_BODY.index("</figure>") + len("</figure>")
    page = _problems(tmp_path, GOOD_BODY[:start] + GOOD_BODY[end:])
    assert any("'fig-one'" in p and "no <figure>" in p for p in page.problems)


def test_a_missing_image_file_fails(tmp_path):
    page = _problems(tmp_path, GOOD_BODY.replace("_images/a.png", "_images/gone.png"))
    assert page.problems == ["an <img> whose file is missing: ../_images/gone.png"]
    page = _problems(tmp_path / "2", GOOD_BODY.replace('src="../_images/a.png"', 'src=""'))
    assert page.problems == ["an <img> without src"]


def test_a_remote_image_fails(tmp_path):
    page = _problems(tmp_path, GOOD_BODY.replace("../_images/a.png",
                                                 "https://example.org/a.png"))
    assert len(page.problems) == 1 and "remote image" in page.problems[0]


def test_the_same_image_twice_fails(tmp_path):
    # the same file twice
    twice = GOOD_BODY.replace("_images/a.png", "_images/b.png")
    page = _problems(tmp_path, twice)
    assert len(page.problems) == 1 and "shown twice" in page.problems[0]
    # the same picture from two files (an uncaptioned copy above the captioned one)
    page = _problems(tmp_path / "2", GOOD_BODY.replace("_images/a.png", "_images/b_copy.png"))
    assert len(page.problems) == 1 and "shown twice" in page.problems[0]
    # a file and a data: URI with the same picture
    body = GOOD_BODY.replace('src="../_images/a.png"', f'src="{_uri(_png(0.5))}"')
    page = _problems(tmp_path / "3", body)
    assert len(page.problems) == 1 and "'fig-one'" in page.problems[0]


def test_an_image_wider_than_the_column_fails(tmp_path):
    site, book = _site(tmp_path, GOOD_BODY)
    mpimg = pytest.importorskip("matplotlib.image")
    import numpy as np

    wide = io.BytesIO()
    mpimg.imsave(wide, np.zeros((4, site_check.MAX_PNG_PX + 1)), format="png")
    (site / "_images" / "a.png").write_bytes(wide.getvalue())
    page = site_check.check_site(site, book)[0]
    assert len(page.problems) == 1 and "px wide" in page.problems[0]
    fits = io.BytesIO()
    mpimg.imsave(fits, np.zeros((4, site_check.MAX_PNG_PX)), format="png")
    (site / "_images" / "a.png").write_bytes(fits.getvalue())
    assert site_check.check_site(site, book)[0].problems == []


def test_source_directives_are_read_from_notebooks(tmp_path):
    import json

    nb = {"cells": [{"cell_type": "markdown", "source": SOURCE.splitlines(True)},
                    {"cell_type": "code", "source": ["```{figure} x.png\n:name: not-md\n```"]}]}
    path = tmp_path / "page.ipynb"
    path.write_text(json.dumps(nb))
    assert site_check.source_figures(path) == ["fig-one", "fig-two"]


# --------------------------------------- a notebook page: cells, text, links, launch buttons

REPO = {"owner": "someone", "name": "a-book", "branch": "main"}
BINDER = ("https://mybinder.org/v2/gh/someone/a-book/main?urlpath=lab/tree/book/"
          "chapters/nb.ipynb")
COLAB = "https://colab.research.google.com/github/someone/a-book/blob/main/book/chapters/nb.ipynb"
SCRIPT = '<script>const THEBE_JS_URL = "x.js"; const thebe_selector = ".cell"</script>'

NB_PAGE = """<html><head>
<script src="../_static/doctools.js"></script>
{script}
</head><body>
<div class="dropdown dropdown-launch-buttons">
  <a href="{binder}">Binder</a> <a href="{colab}">Colab</a>
</div>
<a href="../_sources/chapters/nb.ipynb" class="btn">.ipynb</a>
<main><section id="a-chapter">
<h1>A chapter<a class="headerlink" href="#a-chapter">#</a></h1>
<p>Inline maths <span class="math notranslate nohighlight">\\(x^2 + $y$\\)</span>, a price
of $5 and $6, <code>$HOME</code>, see <a href="other.html#sec-b">there</a>,
<a href="#a-chapter">the top</a>, <a href="../execution_times.html">times</a>,
<a href="https://example.org/#x">away</a>. {para}</p>
<div class="cell docutils container">
<div class="cell_input docutils container"><div class="highlight"><pre>print("$x$")</pre>
</div></div>
<div class="cell_output docutils container"><div class="output stream highlight-myst-ansi
notranslate"><div class="highlight"><pre>$x$ in a printed string</pre></div></div></div>
</div>
<div class="cell docutils container">
<div class="cell_input docutils container"><div class="highlight">
<pre>widgets.interactive_figure(draw, controls)</pre></div></div>
<div class="cell_output docutils container">{widget}</div>
</div>
<div class="cell tag_raises-exception docutils container">
<div class="cell_input docutils container"><div class="highlight"><pre>1 / 0</pre></div></div>
<div class="cell_output docutils container"><div class="output traceback highlight-ipythontb
notranslate"><div class="highlight"><pre>Traceback (most recent call last)
ZeroDivisionError: division by zero</pre></div></div></div>
</div>
{cell}
</section></main></body></html>"""

WIDGET_STATIC = '<img alt="" src="../_images/a.png" />'
EXEC_PAGE = """<html><body><main><table class="table"><thead><tr><th><p>Document</p></th>
<th><p>Modified</p></th><th><p>Method</p></th><th><p>Run Time (s)</p></th>
<th><p>Status</p></th></tr></thead><tbody>
<tr class="row-even"><td><p><a class="reference internal" href="chapters/nb.html">nb</a></p></td>
<td><p>2026-01-01 10:00</p></td><td><p>force</p></td><td><p>{seconds}</p></td>
<td><p>{status}</p></td></tr>
</tbody></table></main></body></html>"""


def _nb_site(tmp_path, seconds="12.5", status="\u2705", **parts):
    fields = {"script": SCRIPT, "binder": BINDER, "colab": COLAB, "para": "",
              "widget": WIDGET_STATIC, "cell": ""}
    fields.update(parts)
    site = tmp_path / "html"
    for folder in ("_images", "chapters", "_sources/chapters", "_static"):
        (site / folder).mkdir(parents=True)
    (site / "_images" / "a.png").write_bytes(_png(0.3))
    (site / "_images" / "b.png").write_bytes(_png(0.7))
    (site / "_static" / "doctools.js").write_text("")
    (site / "_sources" / "chapters" / "nb.ipynb").write_text("{}")
    (site / "chapters" / "nb.html").write_text(NB_PAGE.format(**fields))
    (site / "chapters" / "other.html").write_text(
        '<html><body><section id="sec-b"><p>B</p></section></body></html>')
    (site / "execution_times.html").write_text(EXEC_PAGE.format(seconds=seconds,
                                                                 status=status))
    book = tmp_path / "book"
    (book / "chapters").mkdir(parents=True)
    (book / "chapters" / "nb.ipynb").write_text('{"cells": []}')
    return site, book


def _nb_problems(tmp_path, **parts):
    site, book = _nb_site(tmp_path, **parts)
    pages = {p.path: p.problems for p in site_check.check_site(site, book, REPO)}
    assert pages["chapters/other.html"] == [] and pages["execution_times.html"] == []
    return pages["chapters/nb.html"]


def test_a_good_notebook_page_passes(tmp_path):
    assert _nb_problems(tmp_path) == []
    site, book = _nb_site(tmp_path / "2")
    assert site_check.check_execution(site, book, budget_s=30) == []
    assert site_check.execution_table(site)[1] == [("chapters/nb.html", 12.5, "\u2705")]


@pytest.mark.parametrize("kind, output", [
    ("traceback", '<div class="output traceback highlight-ipythontb">'
                  '<pre>Traceback (most recent call last)</pre></div>'),
    ("stderr", '<div class="output stderr highlight-myst-ansi"><pre>Warning: x</pre></div>'),
])
def test_an_error_output_that_is_not_intended_fails(tmp_path, kind, output):
    cell = ('<div class="cell docutils container"><div class="cell_input docutils '
            'container"><pre>f()</pre></div><div class="cell_output docutils container">'
            f"{output}</div></div>")
    problems = _nb_problems(tmp_path, cell=cell)
    assert problems == [f"cell 4 shows a {kind} output (tag the cell `raises-exception` "
                        "if the error is intended)"]
    intended = cell.replace('"cell docutils', '"cell tag_raises-exception docutils')
    assert _nb_problems(tmp_path / "ok", cell=intended) == []


def test_a_printed_traceback_fails(tmp_path):
    cell = ('<div class="cell docutils container"><div class="cell_output docutils container">'
            '<div class="output stream"><pre>Traceback (most recent call last):\n  File x'
            "</pre></div></div></div>")
    problems = _nb_problems(tmp_path, cell=cell)
    assert len(problems) == 1 and "cell 4 prints a traceback" in problems[0]


@pytest.mark.parametrize("para, raw", [
    ("The bound $\\|w\\| \\le R$ holds.", "$\\|w\\| \\le R$"),
    ("Display: $$\\sum_i x_i$$", "$$\\sum_i x_i$$"),
    ("<em>$x$</em>", "$x$"),
])
def test_raw_tex_outside_code_fails(tmp_path, para, raw):
    problems = _nb_problems(tmp_path, para=para)
    assert problems == [f"raw TeX outside code (the maths was not parsed): {raw!r}"]


@pytest.mark.parametrize("para, problem", [
    ('<a href="gone.html">x</a>', "a link to a missing page or file: gone.html"),
    ('<a href="other.html#sec-c">x</a>', "a link to a missing anchor: other.html#sec-c"),
    ('<a href="#nowhere">x</a>', "a link to a missing anchor: #nowhere"),
    ('<a href="../_images/c.png">x</a>', "a link to a missing page or file: ../_images/c.png"),
    ('<a href="../../x.html">x</a>', "a link outside the site: ../../x.html"),
])
def test_a_broken_internal_link_fails(tmp_path, para, problem):
    assert _nb_problems(tmp_path, para=para) == [problem]


def test_a_widget_without_its_static_figure_fails(tmp_path):
    problems = _nb_problems(tmp_path, widget="")
    assert problems == ["cell 2 has a widget output without its static figure"]
    view = ('<script type="application/vnd.jupyter.widget-view+json">'
            '{"model_id": "1", "version_major": 2}</script>')
    cell = ('<div class="cell docutils container"><div class="cell_input docutils container">'
            f'<pre>slider</pre></div><div class="cell_output docutils container">{view}'
            "</div></div>")
    problems = _nb_problems(tmp_path / "2", cell=cell)
    assert problems == ["cell 4 has a widget output without its static figure"]
    with_figure = cell.replace("</script>", "</script>" + WIDGET_STATIC.replace("a.png",
                                                                                "b.png"))
    assert _nb_problems(tmp_path / "3", cell=with_figure) == []


def test_missing_launch_buttons_fail(tmp_path):
    problems = _nb_problems(tmp_path, binder="#", colab=COLAB.replace("someone", "other"))
    assert len(problems) == 2
    assert problems[0].startswith("no Binder launch button for chapters/nb.ipynb")
    assert problems[1].startswith("no Colab launch button for chapters/nb.ipynb")
    site, book = _nb_site(tmp_path / "2")
    page = site / "chapters" / "nb.html"
    page.write_text(page.read_text().replace('href="../_sources/chapters/nb.ipynb"',
                                          'href="#"'))
    problems = {p.path: p.problems for p in site_check.check_site(site, book, REPO)}
    assert problems["chapters/nb.html"] == [
        "no .ipynb download button (_sources/chapters/nb.ipynb)"]


def test_an_inline_script_twice_fails(tmp_path):
    problems = _nb_problems(tmp_path, script=SCRIPT + "\n" + SCRIPT)
    assert len(problems) == 1 and "inline script is included twice" in problems[0]
    assert "THEBE_JS_URL" in problems[0]


def test_an_image_that_does_not_load_fails(tmp_path):
    site, book = _nb_site(tmp_path)
    (site / "_images" / "a.png").write_bytes(_png(0.3)[:60])        # truncated
    problems = {p.path: p.problems for p in site_check.check_site(site, book, REPO)}
    assert len(problems["chapters/nb.html"]) == 1
    assert "a PNG that does not decode" in problems["chapters/nb.html"][0]
    (site / "_images" / "a.png").write_bytes(b"<html>404 Not Found</html>")
    problems = {p.path: p.problems for p in site_check.check_site(site, book, REPO)}
    assert len(problems["chapters/nb.html"]) == 1
    assert "not a PNG, JPEG, GIF, SVG or WebP" in problems["chapters/nb.html"][0]
    svg = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"></svg>'
    (site / "_images" / "a.png").write_bytes(svg)
    assert {p.path: p.problems for p in site_check.check_site(site, book, REPO)}[
        "chapters/nb.html"] == []


def test_slow_failed_or_unexecuted_notebooks_fail(tmp_path):
    site, book = _nb_site(tmp_path, seconds="31.5")
    assert site_check.check_execution(site, book, budget_s=30) == [
        "chapters/nb.html took 31.5 s to execute in the build: over the 30-s budget"]
    assert site_check.check_execution(site, book, budget_s=32) == []
    site, book = _nb_site(tmp_path / "2", status="\u274c")
    problems = site_check.check_execution(site, book, budget_s=30)
    assert problems == ["chapters/nb.html: execution status '\u274c' in the build's table"]
    # a notebook page missing from the table, and the build's error report
    site, book = _nb_site(tmp_path / "3")
    (site / "chapters" / "nb2.html").write_text("<html></html>")
    (book / "chapters" / "nb2.ipynb").write_text('{"cells": []}')
    (site / "reports" / "chapters").mkdir(parents=True)
    (site / "reports" / "chapters" / "nb2.err.log").write_text("Traceback ...")
    assert site_check.check_execution(site, book, budget_s=30) == [
        "the build left an error report: reports/chapters/nb2.err.log",
        "chapters/nb2.html is not in the build's execution table (not executed?)"]
    (site / "execution_times.html").unlink()
    assert site_check.check_execution(site, book)[-1] == (
        "no execution-time table ({nb-exec-table}) in the site")


def test_the_command_fails_on_a_broken_site_and_passes_on_a_good_one(tmp_path, capsys,
                                                                      monkeypatch):
    monkeypatch.setattr(site_check, "repository_settings", lambda *a: REPO)
    site, book = _nb_site(tmp_path)
    assert site_check.main(["site_check", str(site), str(book)]) == 0
    site, book = _nb_site(tmp_path / "2", para="$x$")
    assert site_check.main(["site_check", str(site), str(book)]) == 1
    assert "PROBLEM: raw TeX" in capsys.readouterr().out


def test_the_launch_buttons_are_checked_against_the_repository_setting():
    """The site check reads the repository from pyproject.toml's [tool.nntheory]."""
    import tomllib

    url = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["nntheory"]["repository"]
    r = site_check.repository_settings()
    assert url.rstrip("/").endswith(f"github.com/{r['owner']}/{r['name']}")


# ---------------------------------------------- each inline script once (THEBE_JS_URL)

_once_spec = importlib.util.spec_from_file_location("inline_scripts_once",
                                                    ROOT / "tools" / "inline_scripts_once.py")
inline_scripts_once = importlib.util.module_from_spec(_once_spec)
_once_spec.loader.exec_module(inline_scripts_once)


def test_inline_scripts_are_deduplicated_as_sphinx_registers_them():
    """Sphinx 7 registers a body-only script as filename None, then again as '': the
    extension keeps the first of the two and every distinct script, in order."""
    assets = pytest.importorskip("sphinx.builders.html._assets")
    body = 'const THEBE_JS_URL = "x"'
    first = assets._JavaScript(None, priority=500, body=body)
    again = assets._JavaScript("", priority=500, body=body)
    other = assets._JavaScript("", priority=500, body="var toggle = 1")
    files = [assets._JavaScript(f"_static/{n}.js") for n in ("a", "b")]
    assert first != again                               # why Sphinx lets both through
    scripts = [files[0], first, other, again, files[1], files[0]]
    assert inline_scripts_once.dedupe_scripts(scripts) == [files[0], first, other, files[1]]
    context = {"script_files": list(scripts)}
    inline_scripts_once._on_page(None, "p", "page.html", context, None)
    assert context["script_files"] == [files[0], first, other, files[1]]


def test_book_config_loads_the_inline_scripts_extension():
    import yaml

    config = yaml.safe_load((ROOT / "book" / "_config.yml").read_text())
    local = config["sphinx"]["local_extensions"]
    assert (ROOT / "book" / local["inline_scripts_once"] / "inline_scripts_once.py").is_file()


# ------------------------------------------------------------------------- the real site


def _edition_site(tmp_path, switch=True, drop=None, extra=None):
    """An English site with two pages and a zh_CN edition of it, as build-all makes them."""
    site = tmp_path / "html"
    for edition, prefix in ((site, ""), (site / "zh_CN", "../")):
        for rel in ("intro.html", "chapters/a.html"):
            if edition != site and rel == drop:
                continue
            up = "../" * rel.count("/")
            other = f"{up}{prefix}{rel}" if edition != site else f"{up}zh_CN/{rel}"
            bar = (f'<p class="nntheory-language-switch"><a href="{other}">x</a></p>'
                   if switch or edition == site else "")
            (edition / rel).parent.mkdir(parents=True, exist_ok=True)
            (edition / rel).write_text(PAGE.format(body=bar + "<p>text</p>"))
    if extra:
        (site / "zh_CN" / extra).write_text(PAGE.format(body="<p>only here</p>"))
    return site


def test_editions_with_the_same_pages_and_switches_pass(tmp_path):
    site = _edition_site(tmp_path)
    assert site_check.editions(site) == [site / "zh_CN"]
    assert [p.name for p in site_check.pages(site, skip=False)] == ["a.html", "intro.html"]
    assert site_check.edition_problems(site) == []
    # the switch's link up to the English page is inside the site, not "outside" it
    page = site / "zh_CN" / "chapters" / "a.html"
    assert site_check.link_problem("../../chapters/a.html", page, site / "zh_CN", set()) is None
    assert site_check.link_problem("../../../x.html", page, site / "zh_CN", set()) is not None


@pytest.mark.parametrize("kwargs, wanted", [
    ({"drop": "chapters/a.html"}, "zh_CN/: no page chapters/a.html (the English edition has it)"),
    ({"extra": "only.html"}, "zh_CN/only.html: a page the English edition lacks"),
    ({"switch": False}, "zh_CN/intro.html: no language switch"),
])
def test_an_edition_missing_a_page_or_a_switch_fails(tmp_path, kwargs, wanted):
    problems = site_check.edition_problems(_edition_site(tmp_path, **kwargs))
    assert wanted in problems, problems


def test_a_switch_to_the_wrong_page_fails(tmp_path):
    site = _edition_site(tmp_path)
    page = site / "zh_CN" / "chapters" / "a.html"
    page.write_text(page.read_text().replace("../../chapters/a.html", "../../intro.html"))
    assert site_check.edition_problems(site) == [
        "zh_CN/chapters/a.html: the language switch has no link to chapters/a.html"]


def _built_sites():
    return [site_check.SITE] + site_check.editions(site_check.SITE)


@pytest.mark.parametrize("edition", ["en", "zh_CN"])
def test_built_site_passes_every_check(edition):
    if not any(site_check.SITE.glob("*.html")):
        pytest.skip("the site is not built (book/_build/html): run `make book`, or "
                    "`make test`, which builds it before this test")
    site = site_check.SITE if edition == "en" else site_check.SITE / edition
    assert (site / "intro.html").is_file(), f"no {edition} edition in {site} (make book " \
        "builds both editions: tools/i18n.py build-all)"
    pages = site_check.check_site(site)
    assert pages, "the built site has no pages"
    report = "\n".join(page.summary() + "".join(f"\n    {p}" for p in page.problems)
                       for page in pages if page.problems)
    execution = site_check.check_execution(site)
    report += "".join(f"\n    (execution) {p}" for p in execution)
    assert not report.strip(), "problems on the built site:\n" + report


def test_built_editions_have_the_same_pages_and_a_language_switch_on_each():
    if not any(site_check.SITE.glob("*.html")):
        pytest.skip("the site is not built (book/_build/html): run `make book`")
    assert [d.name for d in site_check.editions()] == ["zh_CN"]
    assert site_check.edition_problems() == []


# ------------------------------------------ the build's own extension (tools/nntheory_sphinx.py)

_ext_spec = importlib.util.spec_from_file_location("nntheory_sphinx",
                                                   ROOT / "tools" / "nntheory_sphinx.py")
nntheory_sphinx = importlib.util.module_from_spec(_ext_spec)
_ext_spec.loader.exec_module(nntheory_sphinx)


def test_book_config_loads_the_build_extension():
    import yaml

    config = yaml.safe_load((ROOT / "book" / "_config.yml").read_text())
    local = config["sphinx"]["local_extensions"]
    assert (ROOT / "book" / local["nntheory_sphinx"] / "nntheory_sphinx.py").is_file()


def _run_one_cell(manager=None) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    kwargs = {} if manager is None else {"kernel_manager_class": manager}
    nbclient.NotebookClient(nb, timeout=60, kernel_name="python3", **kwargs).execute()
    assert nb.cells[0].outputs[0]["data"]["text/plain"] == "2"


def test_build_kernels_use_curve_encryption_and_do_not_warn(capfd):
    manager = nntheory_sphinx.curve_kernel_manager()
    if manager is None:
        pytest.skip("pyzmq without CurveZMQ, or a jupyter_client without transport_encryption")
    _run_one_cell()                                   # nbclient's default manager
    plain = capfd.readouterr().err
    if "without encryption" not in plain:
        pytest.skip("this ipykernel does not warn about unencrypted TCP")
    _run_one_cell(manager)                            # what the book's build uses
    assert "without encryption" not in capfd.readouterr().err


def test_offline_mathjax_setting(tmp_path):
    from types import SimpleNamespace

    config = SimpleNamespace(html_static_path=["_static"], mathjax_path="https://cdn/x.js")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("NNTHEORY_MATHJAX_DIR", raising=False)
        nntheory_sphinx._offline_mathjax(None, config)
        assert config.mathjax_path == "https://cdn/x.js"          # online by default
        mp.setenv("NNTHEORY_MATHJAX_DIR", str(tmp_path))
        from sphinx.errors import ConfigError

        with pytest.raises(ConfigError, match="make book OFFLINE=1"):
            nntheory_sphinx._offline_mathjax(None, config)
        entry = tmp_path / nntheory_sphinx.MATHJAX_ENTRY
        entry.parent.mkdir(parents=True)
        entry.write_text("// MathJax")
        nntheory_sphinx._offline_mathjax(None, config)
    assert config.mathjax_path == "mathjax/es5/tex-mml-chtml.js"
    assert config.html_static_path == ["_static", str(tmp_path.resolve())]


def test_a_tiny_book_builds_offline_without_kernel_warnings(tmp_path):
    """The build extension, end to end: a one-notebook book built with it executes its
    kernel without the TCP warning and loads MathJax from the local copy."""
    import json
    import os
    import subprocess

    jb = Path(sys.executable).with_name("jupyter-book")
    if not jb.exists():
        pytest.skip("jupyter-book is not installed (pip install -e '.[book]')")
    book = tmp_path / "book"
    book.mkdir()
    (book / "_config.yml").write_text(
        "title: Tiny\nexecute:\n  execute_notebooks: force\n  raise_on_error: true\n"
        f"sphinx:\n  local_extensions:\n    nntheory_sphinx: {ROOT / 'tools'}\n"
        f"    inline_scripts_once: {ROOT / 'tools'}\n")
    (book / "_toc.yml").write_text("format: jb-book\nroot: intro\n")
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# Tiny\n\n$x^2$"]},
                    {"cell_type": "code", "metadata": {}, "execution_count": None,
                     "outputs": [], "source": ["print(6 * 7)"]}],
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                      "language": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    (book / "intro.ipynb").write_text(json.dumps(nb))
    mathjax = tmp_path / "mj"
    (mathjax / "mathjax" / "es5").mkdir(parents=True)
    (mathjax / nntheory_sphinx.MATHJAX_ENTRY).write_text("// MathJax")
    env = dict(os.environ, NNTHEORY_MATHJAX_DIR=str(mathjax))
    out = subprocess.run([str(jb), "build", str(book), "-W", "-n"], capture_output=True,
                         text=True, env=env, timeout=300)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-3000:]
    assert "without encryption" not in log
    # myst's configuration, shortened to its version (it was two lines of ~3000 characters)
    assert "MdParserConfig(" not in log and "NbParserConfig(" not in log
    assert "myst v" in log and max(map(len, log.splitlines())) < 400
    html = (book / "_build" / "html" / "intro.html").read_text()
    assert "42" in html
    # a default colour mode: pydata-sphinx-theme's first-visit mode is not empty
    assert 'localStorage.getItem("mode") || "light"' in html
    assert 'src="_static/mathjax/es5/tex-mml-chtml.js' in html
    assert "cdn.jsdelivr.net/npm/mathjax" not in html
    # each inline script once (tools/inline_scripts_once.py): THEBE_JS_URL declared once
    assert html.count("const THEBE_JS_URL") == 1, "THEBE_JS_URL declared twice"
    assert (book / "_build" / "html" / "_static" / nntheory_sphinx.MATHJAX_ENTRY).is_file()


def test_numbers_are_renumbered_per_chapter():
    docs = ["intro", "library_tour", "parts/part1", "chapters/01_perceptron",
            "chapters/10_generalisation", "chapters/appendix_seed_claims",
            "chapters/appendix_b"]
    labels = nntheory_sphinx.chapter_labels(docs)
    assert labels == {"chapters/01_perceptron": "1", "chapters/10_generalisation": "10",
                      "chapters/appendix_b": "A", "chapters/appendix_seed_claims": "B"}
    # Sphinx's book-wide numbers (in book order) become (chapter, k) per page and type
    book_wide = {"library_tour": {"figure": {"f1": (1,), "f2": (2,)}},
                 "chapters/01_perceptron": {"theorem": {"t": (1,)}, "figure": {"g": (3,)}},
                 "chapters/10_generalisation": {"theorem": {"b": (5,), "a": (4,)},
                                                "definition": {"d": (17,)}},
                 "chapters/appendix_b": {"theorem": {"x": (6,)}}}
    assert nntheory_sphinx.renumber(book_wide, labels) == {
        "library_tour": {"figure": {"f1": (1,), "f2": (2,)}},
        "chapters/01_perceptron": {"theorem": {"t": ("1", 1)}, "figure": {"g": ("1", 1)}},
        "chapters/10_generalisation": {"theorem": {"a": ("10", 1), "b": ("10", 2)},
                                       "definition": {"d": ("10", 1)}},
        "chapters/appendix_b": {"theorem": {"x": ("A", 1)}}}


def test_the_site_check_fails_a_page_numbered_book_wide():
    def page(*numbers):
        return "".join(f'<p class="admonition-title"><span class="caption-number">{n} '
                       "</span> (title)</p>" for n in numbers)

    ok = page("Definition 4.1", "Theorem 4.1", "Theorem 4.2", "Fig. 4.1", "Exercise 4.1")
    assert site_check.numbering_problems(ok, "4") == []
    assert site_check.numbering_problems(page("Fig. 1", "Fig. 2"), None) == []
    assert site_check.numbering_problems(page("Theorem A.1"), "A") == []
    bad = site_check.numbering_problems(page("Definition 3", "Theorem 5"), "4")
    assert bad == [
        "numbering: Definition 3 is item 1 of its kind on this page, expected Definition "
        "4.1 (numbers per chapter: tools/nntheory_sphinx.py)",
        "numbering: Theorem 5 is item 1 of its kind on this page, expected Theorem 4.1 "
        "(numbers per chapter: tools/nntheory_sphinx.py)"]
    assert len(site_check.numbering_problems(page("Theorem 4.1", "Theorem 4.3"), "4")) == 1
    assert len(site_check.numbering_problems(page("Theorem 3.1"), "4")) == 1


def test_nbconvert_execute_kernels_are_encrypted(tmp_path):
    """`jupyter nbconvert --execute` (what students run) with the configuration that
    tools/jupyter_encryption.py writes: no "running over TCP without encryption"."""
    import json
    import os
    import subprocess

    spec = importlib.util.spec_from_file_location("jupyter_encryption",
                                                  ROOT / "tools" / "jupyter_encryption.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    exe = Path(sys.executable).with_name("jupyter-nbconvert")
    if not module.client_supported() or not exe.exists():
        pytest.skip("no CurveZMQ in pyzmq, no transport_encryption, or no nbconvert")
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "execution_count": None,
                     "outputs": [], "source": ["print(6 * 7)"]}],
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                      "language": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "t.ipynb").write_text(json.dumps(nb))
    config = tmp_path / "config"

    def run():
        # the user's folder first on Jupyter's path (in a venv the environment's is first)
        env = dict(os.environ, JUPYTER_CONFIG_DIR=str(config), JUPYTER_PREFER_ENV_PATH="0")
        out = subprocess.run([str(exe), "--to", "notebook", "--execute", "t.ipynb",
                              "--output", "out"], cwd=tmp_path, env=env, text=True,
                             capture_output=True, timeout=120)
        assert out.returncode == 0, out.stderr[-2000:]
        assert "42" in (tmp_path / "out.ipynb").read_text()
        return out.stdout + out.stderr

    section, key, value = module.SETTINGS["jupyter_nbconvert_config.json"]
    module.merge(config / "jupyter_nbconvert_config.json", section, key, "disabled")
    if "without encryption" not in run():
        pytest.skip("this ipykernel does not warn about unencrypted TCP")
    module.merge(config / "jupyter_nbconvert_config.json", section, key, value)
    assert "without encryption" not in run()
    # and the set-up writes that setting into the environment, next to JupyterLab's
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sys, "prefix", str(tmp_path / "env"))
        assert module.main() == 0
    written = json.loads((tmp_path / "env" / "etc" / "jupyter" /
                          "jupyter_nbconvert_config.json").read_text())
    assert written == {"KernelManager": {"transport_encryption": "auto"}}


# ------------------------------------------- student copies offered on every chapter page

_sd_spec = importlib.util.spec_from_file_location("student_downloads",
                                                  ROOT / "tools" / "student_downloads.py")
student_downloads = importlib.util.module_from_spec(_sd_spec)
_sd_spec.loader.exec_module(student_downloads)

EXERCISE_NB = ('{"cells": [{"cell_type": "markdown", "metadata": {}, "source": '
               '["```{exercise}\\n:label: ex-a\\nDo it.\\n```"]}]}')


def test_a_chapter_with_exercises_must_link_its_student_copy(tmp_path):
    site, book = _nb_site(tmp_path)
    (book / "chapters" / "nb.ipynb").write_text(EXERCISE_NB)
    problems = {p.path: p.problems for p in site_check.check_site(site, book, REPO)}
    assert problems["chapters/nb.html"] == [
        "no student-copy download for chapters/nb.ipynb (_static/student/nb.ipynb; "
        "tools/student_downloads.py)"]
    # the link the extension writes, pointing at a copy that is not there: a broken link
    page = site / "chapters" / "nb.html"
    html = page.read_text()
    page.write_text(html.replace("</h1>", "</h1>\n" + student_downloads.link_html(
        "../_static/student/nb.ipynb"), 1))
    problems = {p.path: p.problems for p in site_check.check_site(site, book, REPO)}
    assert problems["chapters/nb.html"] == [
        "a link to a missing page or file: ../_static/student/nb.ipynb"]
    (site / "_static" / "student").mkdir()
    (site / "_static" / "student" / "nb.ipynb").write_text("{}")
    problems = {p.path: p.problems for p in site_check.check_site(site, book, REPO)}
    assert problems["chapters/nb.html"] == []


def test_the_extension_writes_solution_free_copies_and_links_them(tmp_path):
    book = ROOT / "book"
    pages = student_downloads.chapters_with_exercises(book)
    listed = sorted(p.stem for p in (book / "chapters").glob("*.ipynb")
                    if not p.stem.startswith("appendix_"))
    assert sorted(Path(d).name for d in pages) == listed     # every chapter, no appendix
    written = student_downloads.write_copies(book, tmp_path)
    assert sorted(p.name for p in written) == [f"{s}.ipynb" for s in listed]
    for path in written:
        text = path.read_text()
        assert "# BEGIN SOLUTION" not in text and "{solution-start}" not in text
    # the link goes under the title, with a path relative to the page

    class Env:
        nntheory_student_pages = {"chapters/nb"}

    class Config:
        language = "en"

    class App:
        env, config = Env(), Config()

    context = {"body": "<section>\n<h1>T</h1>\n<p>text</p>",
               "pathto": lambda uri, resource: "../" + uri}
    student_downloads._page_context(App(), "chapters/nb", "page.html", context, None)
    assert context["body"].startswith("<section>\n<h1>T</h1>\n<p class=")
    assert 'href="../_static/student/nb.ipynb" download' in context["body"]
    assert "Download the student copy" in context["body"]
    context = {"body": "<h1>T</h1>", "pathto": lambda uri, resource: uri}
    student_downloads._page_context(App(), "intro", "page.html", context, None)
    assert context["body"] == "<h1>T</h1>"                     # other pages untouched
    # the Chinese edition: the line in Chinese, the copy translated (same code cells)
    App.config.language = "zh_CN"
    context = {"body": "<h1>T</h1>\n", "pathto": lambda uri, resource: uri}
    student_downloads._page_context(App(), "chapters/nb", "page.html", context, None)
    assert "下载本章的学生副本" in context["body"]
    zh = student_downloads.write_copies(book, tmp_path / "zh", "zh_CN", [book / "locales"])
    first = json.loads(next(p for p in zh if p.name == "01_perceptron.ipynb").read_text())
    plain = json.loads(next(p for p in written if p.name == "01_perceptron.ipynb").read_text())
    assert "感知机" in "".join(first["cells"][0]["source"])
    assert [c["source"] for c in first["cells"] if c["cell_type"] == "code"] == \
        [c["source"] for c in plain["cells"] if c["cell_type"] == "code"]


def test_book_config_loads_the_student_downloads_extension():
    config = (ROOT / "book" / "_config.yml").read_text()
    assert "student_downloads: ../tools" in config
