"""Sphinx extension for the book's build (loaded from ``book/_config.yml``).

Two settings that Jupyter Book's configuration file cannot express:

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
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

MATHJAX_ENTRY = "mathjax/es5/tex-mml-chtml.js"


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
    """Make myst-nb's direct executor start kernels with CurveZMQ keys; True if done."""
    manager = curve_kernel_manager()
    try:
        from myst_nb.core.execute import direct
    except ImportError:  # pragma: no cover
        return False
    execute = getattr(direct, "single_nb_execution", None)
    if manager is None or execute is None:
        return False
    if getattr(execute, "_nntheory_curve", False):
        return True
    wrapped = functools.partial(execute, kernel_manager_class=manager)
    wrapped._nntheory_curve = True  # type: ignore[attr-defined]
    direct.single_nb_execution = wrapped
    return True


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


def setup(app):
    encrypt_build_kernels()
    app.connect("config-inited", _offline_mathjax)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
