"""Sphinx extension for the book's second edition (tools/i18n.py builds it).

1. **Glue in translated messages.** Sphinx parses each translation as MyST in a small
   document of its own ("<translated>"), and myst-nb's ``{glue:...}`` roles look their values
   up in the page's notebook renderer, which only the page's own document carries (myst-nb
   removes it when the page is parsed). This extension keeps the renderer of the page being
   read and hands it to the page's translated snippets, so a translated sentence shows the
   very numbers the English one does.
2. **A language switch on every page** (``nntheory_editions``: the other editions' language
   codes and names, e.g. ``{"en": "English", "zh_CN": "简体中文"}``): a line at the top of the
   page's body linking to the same page in each other edition. The English site is
   book/_build/html/, an edition ``L`` is book/_build/html/L/, so the links are relative and
   work from a file system and a web server alike.
3. **The glossary's tables** (``{nntheory-glossary}`` with the path of a glossary page,
   book/locales/<lang>/glossary.md): every ``## section`` of that page that holds a table
   ``| English | 中文 | 说明 |``, as a heading and a table, in every edition. The nodes carry
   no source, so Sphinx neither offers them for translation nor replaces them: a term's
   English and Chinese stay side by side in both editions, from the one file that
   tools/i18n.py checks the translations against.
4. **Exercise titles are messages.** sphinx-exercise builds an exercise's title (the
   directive's argument) as a node without source or raw text, so Sphinx's gettext left
   it out and a translated page kept the English title. The directive's nodes get both
   here, so the title is a message of its page's catalogue like a theorem's.
5. **The parts' captions** (``Part I: ...`` in the table of contents). Jupyter Book inserts
   the toctrees after Sphinx has translated the page, so their captions stayed English in
   the sidebar of a translated edition although the root page's catalogue translates
   them; they are translated here, before Sphinx collects the toctrees.
6. **Figure captions are messages.** The catalogues are cut from the source with execution
   off, where a ``{glue:figure}`` finds no figure and myst-nb drops the whole directive,
   caption included. In a gettext build only, a missing glued value is a placeholder, so the
   figure and its caption stay in the page and the caption is a message like any other.
"""

from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes
from i18n import glossary_sections  # the page's one reader (tools/, beside this file)
from myst_nb.sphinx_ import Parser
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

_RENDERERS: dict = {}
_parse = Parser.parse


class _Recording(dict):
    """A document's attributes that remember the notebook renderer myst-nb pops off."""

    def __init__(self, data, docname):
        super().__init__(data)
        self.docname = docname

    def pop(self, key, *default):
        value = super().pop(key, *default)
        if key == "nb_renderer" and value is not None:
            _RENDERERS[self.docname] = value
        return value


def _parse_keeping_glue(self, inputstring, document):
    env = getattr(document.settings, "env", None) or self.env
    source = document.current_source or ""
    if source.endswith("<translated>"):
        renderer = _RENDERERS.get(env.docname)
        if renderer is not None:
            document["nb_renderer"] = renderer
        try:
            return _parse(self, inputstring, document)
        finally:
            document.attributes.pop("nb_renderer", None)
    document.attributes = _Recording(document.attributes, env.docname)
    try:
        return _parse(self, inputstring, document)
    finally:
        document.attributes = dict(document.attributes)


def switch_links(docname: str, language: str, editions: dict) -> list[tuple[str, str, str]]:
    """``(code, name, relative URL)`` of ``docname`` in every edition but ``language``'s:
    English at the site's root, another edition in the root's folder of its code."""
    english = not language or language == "en"
    up = "../" * (docname.count("/") + (0 if english else 1))
    links = []
    for code, name in editions.items():
        if code == (language or "en"):
            continue
        folder = "" if code == "en" else code + "/"
        links.append((code, name, f"{up}{folder}{docname}.html"))
    return links


def _add_switch(app, pagename, templatename, context, doctree):
    editions = app.config.nntheory_editions
    if not editions or doctree is None or "body" not in context:
        return
    links = switch_links(pagename, app.config.language, editions)
    anchors = " · ".join(f'<a class="nntheory-edition" hreflang="{code.replace("_", "-")}" '
                         f'href="{url}">{name}</a>' for code, name, url in links)
    context["body"] = (f'<p class="nntheory-language-switch">{anchors}</p>\n'
                       + context["body"])


_MATH = re.compile(r"(?<![\\$])\$((?:\\.|[^$\\])+?)\$")
_CODE = re.compile(r"`([^`]+)`")


def _inline(text: str) -> list[nodes.Node]:
    """Text with ``$maths$`` and ```code``` as nodes (a glossary's cells hold no more)."""
    out, at = [], 0
    pattern = re.compile(f"{_MATH.pattern}|{_CODE.pattern}")
    for m in pattern.finditer(text):
        if m.start() > at:
            out.append(nodes.Text(text[at:m.start()]))
        if m.group(1) is not None:
            out.append(nodes.math(m.group(0), m.group(1)))
        else:
            out.append(nodes.literal(m.group(2), m.group(2)))
        at = m.end()
    if at < len(text):
        out.append(nodes.Text(text[at:]))
    return out


class GlossaryTables(SphinxDirective):
    """``{nntheory-glossary} locales/zh_CN/glossary.md``: the page's term tables."""

    required_arguments = 1
    HEADER = ("English", "中文", "说明 (notes)")

    def run(self):
        path = Path(self.env.srcdir) / self.arguments[0]
        if not path.is_file():
            raise self.error(f"nntheory-glossary: no glossary page at {path}")
        self.env.note_dependency(str(path))
        out = []
        for title, rows in glossary_sections(path.read_text(encoding="utf8")):
            if title:
                heading = nodes.rubric(title, title)
                heading["translatable"] = False  # (Sphinx gives a rubric a source itself)
                out.append(heading)
            table = nodes.table(classes=["nntheory-glossary"])
            group = nodes.tgroup(cols=3)
            table += group
            for width in (28, 18, 54):
                group += nodes.colspec(colwidth=width)
            head, body = nodes.thead(), nodes.tbody()
            group += head
            group += body
            for target, cells in ((head, self.HEADER), *((body, r) for r in rows)):
                row = nodes.row()
                for cell in list(cells)[:3] + [""] * (3 - len(cells)):
                    row += nodes.entry("", nodes.paragraph("", "", *_inline(cell)))
                target += row
            out.append(table)
        return out


def _exercise_titles_translatable() -> None:
    """Give sphinx-exercise's title nodes their source text and location (see 4.)."""
    from sphinx_exercise.directive import ExerciseDirective
    from sphinx_exercise.nodes import exercise_subtitle

    run = ExerciseDirective.run
    if getattr(run, "_nntheory_titles", False):
        return

    def run_with_titles(self):
        result = run(self)
        if self.arguments:
            for node in result:
                for title in node.findall(exercise_subtitle):
                    title.rawsource = self.arguments[0]
                    self.set_source_info(title)        # read: the title is translated
                    node["nntheory_title"] = (self.arguments[0], title.source, title.line)
        return result

    run_with_titles._nntheory_titles = True  # type: ignore[attr-defined]
    ExerciseDirective.run = run_with_titles


class ExerciseTitleMessages(SphinxPostTransform):
    """After sphinx-exercise has merged an exercise's title into a new node (its
    post-transform, priority 20), that node gets the title's source text and location, so
    that the gettext builder, which reads the resolved page, extracts it (see 4.)."""

    default_priority = 25

    def run(self, **kwargs):
        for node in self.document.findall(nodes.Element):
            if "nntheory_title" in node and node.children and \
                    isinstance(node.children[0], nodes.title):
                title = node.children[0]
                title.rawsource, title.source, title.line = node["nntheory_title"]
                # the gettext catalogue takes only nodes with a uid (given at read time,
                # which this node did not exist at): an empty one, as Sphinx gives a
                # toctree's caption
                title.uid = ""  # type: ignore[attr-defined]


def _translate_captions(app, doctree) -> None:
    """The toctrees' captions of a translated page, from the page's catalogue (see 5.)."""
    language = app.config.language
    if not language or language == "en":
        return
    import os

    from sphinx import addnodes
    from sphinx.locale import init as init_locale
    from sphinx.util.i18n import docname_to_domain

    dirs = [os.path.join(app.srcdir, d) for d in app.config.locale_dirs]
    domain = docname_to_domain(app.env.docname, app.config.gettext_compact)
    catalog, has_catalog = init_locale(dirs, language, domain)
    if not has_catalog:
        return
    for node in doctree.findall(addnodes.toctree):
        if node.get("caption"):
            node["caption"] = catalog.gettext(node["caption"])


def _glue_placeholders_for_gettext() -> None:
    """In a gettext build, a glued value the (unexecuted) notebook lacks is a placeholder,
    so a ``{glue:figure}``'s caption is kept and extracted (see 6.)."""
    from myst_nb.core.variables import RetrievalError, VariableOutput
    from myst_nb.ext.glue import directives

    retrieve = directives.retrieve_glue_data
    if getattr(retrieve, "_nntheory_gettext", False):
        return

    def retrieve_or_placeholder(document, key):
        try:
            return retrieve(document, key)
        except RetrievalError:
            env = getattr(document.settings, "env", None)
            if env is None or env.app.builder.name != "gettext" or \
                    "nb_renderer" not in document:
                raise
            return VariableOutput(data={"text/plain": key}, metadata={},
                                  nb_renderer=document["nb_renderer"], vtype="glue")

    retrieve_or_placeholder._nntheory_gettext = True  # type: ignore[attr-defined]
    directives.retrieve_glue_data = retrieve_or_placeholder


def _translated_exercises_for_solutions(app, doctree) -> None:
    """A solution's title repeats its exercise's ("Solution to Exercise 5.3 (title)"), from
    the exercise node sphinx-exercise registered when the directive ran, before Sphinx
    translated the page: in a translated edition the registry gets the page's translated
    node, so the solution's title is in the edition's language too (see 4.)."""
    if not app.config.language or app.config.language == "en":
        return
    registry = getattr(app.env, "sphinx_exercise_registry", None)
    if not registry:
        return
    from sphinx_exercise.nodes import exercise_enumerable_node, exercise_node

    for node in doctree.findall(lambda n: isinstance(n, (exercise_node,
                                                         exercise_enumerable_node))):
        label = node.get("label")
        if label in registry:
            registry[label]["node"] = node.deepcopy()     # (as read: titles unresolved)


def setup(app):
    Parser.parse = _parse_keeping_glue
    _exercise_titles_translatable()
    _glue_placeholders_for_gettext()
    app.connect("doctree-read", _translated_exercises_for_solutions)
    # before Sphinx's toctree collector (priority 500) reads the captions
    app.connect("doctree-read", _translate_captions, priority=400)
    app.add_post_transform(ExerciseTitleMessages)
    app.add_config_value("nntheory_editions", {}, "html")
    app.add_directive("nntheory-glossary", GlossaryTables)
    app.connect("html-page-context", _add_switch)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
