"""Run-time settings read from the environment (no hidden global state).

* ``NNTHEORY_SCALE``: ``quick`` (default: every notebook within ~30 s on two CPU
  cores) or ``full`` (the larger sweeps, on a GPU when one is present).
* Progress bars and live widgets appear in interactive sessions only. They are
  hidden when the notebook is executed headless: in CI (``CI`` set), with
  ``NNTHEORY_QUIET`` set (the Makefile sets it), or when the kernel was started
  by a batch tool (``jupyter-book``/Sphinx, ``pytest``/nbval, ``nbconvert``,
  ``papermill``), detected from its parent process. A static page cannot run
  Python, so a widget there would be an empty box.
"""

from __future__ import annotations

import os

__all__ = ["SCALES", "scale", "is_full_scale", "headless", "show_progress"]

_BATCH_TOOLS = ("jupyter-book", "jupyter_book", "sphinx", "pytest", "nbval", "nbconvert",
                "papermill", "nbclient", "jcache")

SCALES = ("quick", "full")


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


def scale() -> str:
    """The experiment scale, ``"quick"`` or ``"full"``, from ``NNTHEORY_SCALE``."""
    value = os.environ.get("NNTHEORY_SCALE", "quick").strip().lower() or "quick"
    if value not in SCALES:
        raise ValueError(f"NNTHEORY_SCALE must be one of {', '.join(SCALES)}; got {value!r}")
    return value


def is_full_scale() -> bool:
    return scale() == "full"


def _parent_is_batch_tool() -> bool:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # a pytest-xdist worker (``python -c ...``) and everything it starts
        return True
    try:
        import psutil

        parent = psutil.Process().parent()
        cmdline = " ".join(parent.cmdline()).lower() if parent is not None else ""
    except Exception:  # no psutil, or no permission: assume interactive
        return False
    return any(tool in cmdline for tool in _BATCH_TOOLS)


def headless() -> bool:
    """True when nobody is watching: CI, ``NNTHEORY_QUIET``, or a batch-tool kernel."""
    return _flag("CI") or _flag("NNTHEORY_QUIET") or _parent_is_batch_tool()


def show_progress() -> bool:
    """Whether long loops should show a ``tqdm.auto`` progress bar (not when headless)."""
    return not headless()
