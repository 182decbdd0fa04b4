"""Sphinx extension: every chapter page with exercises offers its student copy.

A student who reads a chapter on the site can download the notebook that
`make student` would give them: the same chapter with the solution code
replaced by ``pass  # your solution here`` and the solution prose removed
(``nntheory.teaching.student.make_student_copy``). The copies are written into
the built site under ``_static/student/`` when the HTML build finishes, and a
one-line link is put under the title of each such page. ``tools/site_check.py``
checks that every chapter page with exercises links its copy and that the link
resolves; ``tests/test_site.py`` tests this extension on its own.

In a translated edition (``language`` set, a catalogue for the chapter under the
``locale_dirs``; tools/i18n.py builds the Chinese one) the line is in that language and the
copy is the translated student copy (``nntheory.teaching.translate``): the same code and
checks, its prose and exercise text in the edition's language.
"""

from __future__ import annotations

import json
from pathlib import Path

FOLDER = "_static/student"
EXERCISE = "```{exercise}"
LINK_CLASS = "nntheory-student-copy"


def chapters_with_exercises(srcdir: Path) -> dict[str, Path]:
    """``{docname: path}`` of the notebooks under ``chapters/`` that hold exercises."""
    found = {}
    for path in sorted((Path(srcdir) / "chapters").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        if any(EXERCISE in "".join(c["source"]) for c in cells if c["cell_type"] == "markdown"):
            found[f"chapters/{path.stem}"] = path
    return found


def student_path(docname: str) -> str:
    """Where the student copy of ``docname`` lives, relative to the site's root."""
    return f"{FOLDER}/{Path(docname).name}.ipynb"


def _catalogue(srcdir: Path, locale_dirs, language: str | None, docname: str) -> Path | None:
    """The translated edition's catalogue of ``docname``, or None (English, or none)."""
    if not language or language == "en":
        return None
    for folder in locale_dirs or ():
        path = Path(srcdir) / folder / language / "LC_MESSAGES" / f"{docname}.po"
        if path.is_file():
            return path
    return None


def write_copies(srcdir: Path, outdir: Path, language: str | None = None,
                 locale_dirs=()) -> list[Path]:
    """Write the student copy of every chapter with exercises under ``outdir`` (with
    ``language``, from the chapter translated by its catalogue when there is one)."""
    from nntheory.teaching.student import make_student_copy

    written = []
    for docname, path in chapters_with_exercises(srcdir).items():
        target = Path(outdir) / student_path(docname)
        target.parent.mkdir(parents=True, exist_ok=True)
        notebook = json.loads(path.read_text(encoding="utf-8"))
        catalogue = _catalogue(srcdir, locale_dirs, language, docname)
        if catalogue is not None:
            from nntheory.teaching.translate import translate_notebook

            notebook = translate_notebook(notebook, catalogue)[0]
            copy = make_student_copy(notebook, lang=language)
        else:
            copy = make_student_copy(notebook)
        target.write_text(json.dumps(copy, indent=1, ensure_ascii=False) + "\n",
                          encoding="utf-8")
        written.append(target)
    return written


#: The line's words per language: (before the link, the link, after it).
LINK_TEXT = {
    "en": ("Doing the exercises? ", "Download the student copy of this chapter",
           " (the notebook without its solutions)."),
    "zh_CN": ("做习题？", "下载本章的学生副本", "（不含解答的笔记本）。"),
}


def link_html(href: str, language: str | None = None) -> str:
    """The link put at the top of a chapter page (in ``language`` when it has words)."""
    before, link, after = LINK_TEXT.get(language or "en", LINK_TEXT["en"])
    return (f'<p class="{LINK_CLASS}">{before}'
            f'<a href="{href}" download>{link}</a>{after}</p>\n')


def _builder_inited(app) -> None:
    app.env.nntheory_student_pages = set(chapters_with_exercises(Path(app.srcdir)))


def _page_context(app, pagename, templatename, context, doctree) -> None:
    pages = getattr(app.env, "nntheory_student_pages", set())
    if pagename in pages and "body" in context:
        href = context["pathto"](student_path(pagename), 1)
        body = context["body"]
        end = body.find("</h1>")  # after the title when there is one
        cut = body.find("\n", end) + 1 if end >= 0 else 0
        context["body"] = body[:cut] + link_html(href, app.config.language) + body[cut:]


def _build_finished(app, exception) -> None:
    if exception is None and app.builder.format == "html":
        write_copies(Path(app.srcdir), Path(app.outdir), app.config.language,
                     app.config.locale_dirs)


def setup(app):
    app.connect("builder-inited", _builder_inited)
    app.connect("html-page-context", _page_context)
    app.connect("build-finished", _build_finished)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
