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
"""

from __future__ import annotations

from myst_nb.sphinx_ import Parser

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


def setup(app):
    Parser.parse = _parse_keeping_glue
    app.add_config_value("nntheory_editions", {}, "html")
    app.connect("html-page-context", _add_switch)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
