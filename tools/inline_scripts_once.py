"""Sphinx extension: each inline ``<script>`` of a page once (loaded from ``_config.yml``).

Why: every page of the site declared ``const THEBE_JS_URL = ...`` (sphinx-thebe)
and ``var togglebuttonSelector = ...`` (sphinx-togglebutton) twice, so the
browser's console showed "Uncaught SyntaxError: Identifier 'THEBE_JS_URL' has
already been declared" on every page. The cause is in Sphinx (7.x, the series
Jupyter Book 1.x runs on): ``Sphinx.add_js_file(None, body=...)`` called after the
builder started (sphinx-thebe and sphinx-togglebutton do so) registers the
script with the builder with ``filename=None`` *and* in the registry, and
``StandaloneHTMLBuilder.prepare_writing`` adds the registry's scripts again as
``filename=''``; ``None != ''``, so the duplicate check lets the second copy
through. Fixed upstream by sphinx-doc/sphinx#13402 (Sphinx 8.2), which Jupyter
Book 1.x cannot use. The error was harmless (the first copy had defined the same
values) but it is noise in every reader's console and hides real errors.

What this does: before each page is written it drops the second and later copies
of a script whose file name (``None`` and ``''`` alike), attributes and body are
the same. Nothing else changes; with a Sphinx that has the fix it finds nothing
to drop. ``tools/site_check.py`` fails on a page that includes an inline script
twice, and ``tests/test_site.py`` tests this function.
"""

from __future__ import annotations

__all__ = ["dedupe_scripts", "setup"]


def _key(script) -> tuple:
    attributes = getattr(script, "attributes", {}) or {}
    return (getattr(script, "filename", script) or "",
            tuple(sorted((str(k), str(v)) for k, v in attributes.items())))


def dedupe_scripts(scripts: list) -> list:
    """The scripts in their order, each (file name or inline body) once."""
    seen, out = set(), []
    for script in scripts:
        key = _key(script)
        if key not in seen:
            seen.add(key)
            out.append(script)
    return out


def _on_page(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if isinstance(scripts, list):
        scripts[:] = dedupe_scripts(scripts)


def setup(app):
    app.connect("html-page-context", _on_page)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
