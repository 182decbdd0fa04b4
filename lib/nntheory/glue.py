"""``glue`` for the chapters: myst-nb's where it is installed, a plain stand-in elsewhere.

The site's build pastes values computed in a cell into the prose with myst-nb's
``glue(name, value, display=...)`` and the ``{glue:text}`` role. A notebook opened on
Colab, or downloaded and run in a plain Jupyter, has no myst-nb (it belongs to the book's
build, not to the library), so every chapter imports ``glue`` from here::

    from nntheory.glue import glue

With myst-nb installed this *is* ``myst_nb.glue`` (same object, same outputs, so the build
is unchanged). Without it, ``glue`` shows the value when ``display`` is true (as myst-nb
does) and otherwise does nothing; the value is returned in both cases, so a notebook's
cells run the same way everywhere.
"""

from __future__ import annotations

__all__ = ["glue", "HAVE_MYST_NB"]

try:  # the book's build and the repository's environment
    from myst_nb import glue
    HAVE_MYST_NB = True
except ImportError:  # Colab, a downloaded notebook: no myst-nb
    HAVE_MYST_NB = False

    def glue(name: str, variable, display: bool = True):
        """Stand-in for ``myst_nb.glue``: show ``variable`` if ``display``; return it."""
        if not isinstance(name, str) or not name:
            raise TypeError(f"glue: name must be a non-empty string, got {name!r}")
        if display:
            try:
                from IPython.display import display as _show
            except ImportError:  # plain Python: nothing to show in
                return variable
            _show(variable)
        return variable
