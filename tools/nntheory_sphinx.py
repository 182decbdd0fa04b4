"""Sphinx extension for the book's build (loaded from ``book/_config.yml``).

Settings that Jupyter Book's configuration file cannot express:

1. **Encrypted kernels.** myst-nb executes every notebook through nbclient with a
   plain ``AsyncKernelManager``, which starts the kernel over TCP without
   CurveZMQ keys; ipykernel (>= 7) then logs "Kernel is running over TCP without
   encryption ..." into the build log, once per notebook. The fix the message
   itself suggests is ``KernelManager.transport_encryption = "auto"``: the
   manager provisions CurveZMQ keys for kernels whose kernelspec declares
   ``"supported_encryption": ["curve"]`` (ipykernel's does). myst-nb has no option
   for the kernel manager, so this extension hands nbclient (through jupyter-cache's
   ``single_nb_execution``, which passes keyword arguments to ``NotebookClient``)
   a ``kernel_manager_class`` with that policy. Nothing else changes; when pyzmq
   lacks CurveZMQ support the default manager is kept.

2. **Offline MathJax** (``make book OFFLINE=1``). When ``NNTHEORY_MATHJAX_DIR``
   names a folder holding ``mathjax/es5/tex-mml-chtml.js`` (the Makefile unpacks
   MathJax 3 there from the npm registry), that folder is added to
   ``html_static_path`` and ``mathjax_path`` points at the copy in ``_static``, so
   the site renders mathematics without a network connection.

3. **A default colour mode** (``DEFAULT_MODE``, light). pydata-sphinx-theme, under
   sphinx-book-theme, starts every page with ``localStorage["mode"] ||
   "{{ default_mode }}"``; Jupyter Book sets no ``default_mode``, so a first visit
   read an empty mode and logged "Got invalid theme mode: . Resetting to auto." to
   the console of every page. Light, because the book's figures are drawn on white
   (the theme's switch still offers dark and auto). The theme reads it from
   ``html_context["default_mode"]``; Jupyter Book's ``html:`` section has no key for
   it and fills ``html_context`` itself, so it is merged in here.

4. **A quiet build log.** myst-parser and myst-nb log their whole configuration
   (``myst v3.0.1: MdParserConfig(commonmark_only=False, ...)``, two lines of some
   3000 characters) at every build; :class:`ShortConfigLog` keeps the version and
   drops the dump (``jupyter-book build -v`` shows it again).

5. **Numbers per chapter** (Theorem 4.2, Definition 10.3, Fig. 9.1, Exercise A.1).
   Sphinx numbers every enumerable node (sphinx-proof's theorems, definitions,
   examples, ...; sphinx-exercise's exercises; figures, tables) book-wide per type
   unless the toctree is numbered, and a numbered toctree would also number the part
   pages (``parts/part1`` would be "1", chapter 1 "2"). :func:`number_per_chapter`
   runs after Sphinx has assigned its numbers and renumbers each chapter's nodes
   ``(chapter, k)``, ``k = 1, 2, ...`` in the order Sphinx found them. The chapter
   is the file's number (``chapters/04_universal_approximation`` is chapter 4,
   as the book's prose calls it); an appendix (``appendix_*``) gets a letter, A,
   B, ... in file-name order; other pages (the library tour) number theirs 1, 2, ...
   Every reference (``{prf:ref}``, ``{numref}``, a solution's "Exercise 4.1") reads
   these numbers, so references follow.
"""

from __future__ import annotations

import functools
import logging
import os
import re
from pathlib import Path

MATHJAX_ENTRY = "mathjax/es5/tex-mml-chtml.js"
DEFAULT_MODE = "light"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: The loggers (Sphinx prefixes "sphinx.") and messages that dump a whole configuration.
CONFIG_LOGS = {"sphinx.myst_parser.sphinx_ext.main": "myst v",
               "sphinx.myst_nb.sphinx_ext": "myst-nb v"}


def curve_kernel_manager():
    """An ``AsyncKernelManager`` that provisions CurveZMQ keys, or ``None`` if impossible."""
    try:
        import zmq
        from jupyter_client import AsyncKernelManager
        from traitlets import CaselessStrEnum
    except ImportError:  # pragma: no cover - the book extra always has them
        return None
    if not zmq.has("curve") or "transport_encryption" not in AsyncKernelManager.class_traits():
        return None

    class CurveKernelManager(AsyncKernelManager):
        """Kernel manager whose kernels talk over CurveZMQ-encrypted sockets."""

        transport_encryption = CaselessStrEnum(["disabled", "auto", "required"],
                                               default_value="auto", config=True)

    return CurveKernelManager


def encrypt_build_kernels() -> bool:
    """Make myst-nb's executors start kernels with CurveZMQ keys: the direct one (a forced
    build) and the cached one (``execute_notebooks: cache``, the bilingual build of
    tools/i18n.py); True if done."""
    manager = curve_kernel_manager()
    try:
        from myst_nb.core.execute import cache, direct
    except ImportError:  # pragma: no cover
        return False
    if manager is None:
        return False
    done = False
    for module in (direct, cache):
        execute = getattr(module, "single_nb_execution", None)
        if execute is None:
            continue
        if not getattr(execute, "_nntheory_curve", False):
            wrapped = functools.partial(execute, kernel_manager_class=manager)
            wrapped._nntheory_curve = True  # type: ignore[attr-defined]
            module.single_nb_execution = wrapped
        done = True
    return done


def _offline_mathjax(app, config) -> None:
    folder = os.environ.get("NNTHEORY_MATHJAX_DIR", "").strip()
    if not folder:
        return
    from sphinx.errors import ConfigError

    root = Path(folder).resolve()
    if not (root / MATHJAX_ENTRY).is_file():
        raise ConfigError(f"NNTHEORY_MATHJAX_DIR={folder!r} has no {MATHJAX_ENTRY}: run "
                          "`make book OFFLINE=1`, which unpacks MathJax 3 there")
    config.html_static_path = [*config.html_static_path, str(root)]
    config.mathjax_path = MATHJAX_ENTRY  # relative paths are relative to _static/


_CHAPTER = re.compile(r"(?:^|/)(\d+)_[^/]*$")
_APPENDIX = re.compile(r"(?:^|/)appendix_[^/]*$")


def chapter_labels(docnames) -> dict[str, str]:
    """The chapter number of each chapter or appendix page, as a string ("4", "A")."""
    labels = {}
    for name in docnames:
        match = _CHAPTER.search(name)
        if match:
            labels[name] = str(int(match.group(1)))
    appendices = sorted(n for n in docnames if _APPENDIX.search(n))
    for i, name in enumerate(appendices):
        labels[name] = chr(ord("A") + i) if i < 26 else f"A{i}"
    return labels


def renumber(fignumbers: dict, labels: dict[str, str]) -> dict:
    """``env.toc_fignumbers`` renumbered per page: ``{doc: {type: {id: (label, k)}}}``."""
    out = {}
    for docname, types in fignumbers.items():
        prefix = (labels[docname],) if docname in labels else ()
        out[docname] = {}
        for figtype, ids in types.items():
            order = sorted(ids, key=lambda i: tuple(ids[i]))
            out[docname][figtype] = {i: (*prefix, k) for k, i in enumerate(order, 1)}
    return out


def number_per_chapter(app, env) -> list[str]:
    """After Sphinx's own numbering (``env-get-updated``): numbers per chapter."""
    env.toc_fignumbers = renumber(env.toc_fignumbers, chapter_labels(env.found_docs))
    return []


def _default_mode(app, config) -> None:
    context = dict(config.html_context or {})
    context.setdefault("default_mode", DEFAULT_MODE)
    config.html_context = context


class ShortConfigLog(logging.Filter):
    """Shorten "myst v3.0.1: MdParserConfig(...)" to "myst v3.0.1 (its configuration:
    book/_config.yml)" unless Sphinx runs verbose (``-v``)."""

    def __init__(self, prefix: str, app=None):
        super().__init__()
        self.prefix, self.app = prefix, app

    def filter(self, record: logging.LogRecord) -> bool:
        msg = str(record.msg)
        verbose = self.app is not None and getattr(self.app, "verbosity", 0) > 0
        if not verbose and _ANSI.sub("", msg).startswith(self.prefix) \
                and isinstance(record.args, tuple) and len(record.args) == 2:
            record.msg = "%s v%s (its configuration: book/_config.yml)"
            record.args = (self.prefix.split(" ")[0], record.args[0])
        return True


def quiet_config_logs(app=None) -> None:
    """Install :class:`ShortConfigLog` on myst-parser's and myst-nb's loggers (once)."""
    for name, prefix in CONFIG_LOGS.items():
        logger = logging.getLogger(name)
        if not any(isinstance(f, ShortConfigLog) for f in logger.filters):
            logger.addFilter(ShortConfigLog(prefix, app))


def setup(app):
    encrypt_build_kernels()
    quiet_config_logs(app)
    app.connect("config-inited", _offline_mathjax)
    app.connect("config-inited", _default_mode)
    # after the TocTreeCollector (priority 500), which assigns Sphinx's numbers
    app.connect("env-get-updated", number_per_chapter, priority=900)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
