"""The BUILT site shows every figure, exactly once (``make test-site``, after the build).

The checks live in ``tools/site_check.py`` (also a command that prints the figures
of every page). The first tests prove on tiny hand-written pages that each check
can fail; the last one runs them on ``book/_build/html`` and is skipped, saying
so, when the site has not been built.
"""

from __future__ import annotations

import base64
import importlib.util
import io
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


# ------------------------------------------------------------------------- the real site


def test_built_site_shows_every_figure_exactly_once():
    if not any(site_check.SITE.glob("*.html")):
        pytest.skip("the site is not built (book/_build/html): run `make book`, or "
                    "`make test`, which builds it before this test")
    pages = site_check.check_site()
    assert pages, "the built site has no pages"
    report = "\n".join(page.summary() + "".join(f"\n    {p}" for p in page.problems)
                       for page in pages if page.problems)
    assert not report, "figures missing or shown twice on the built site:\n" + report


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
        f"sphinx:\n  local_extensions:\n    nntheory_sphinx: {ROOT / 'tools'}\n")
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
    html = (book / "_build" / "html" / "intro.html").read_text()
    assert "42" in html
    assert 'src="_static/mathjax/es5/tex-mml-chtml.js' in html
    assert "cdn.jsdelivr.net/npm/mathjax" not in html
    assert (book / "_build" / "html" / "_static" / nntheory_sphinx.MATHJAX_ENTRY).is_file()
