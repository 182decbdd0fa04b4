"""Run-time settings read from the environment (no hidden global state).

* ``NNTHEORY_SCALE``: ``quick`` (default: every notebook within ~30 s on two CPU
  cores) or ``full`` (the larger sweeps, on a GPU when one is present).
* Progress bars are shown in interactive sessions and hidden in CI, in book
  builds and in the test suite: ``CI`` or ``NNTHEORY_QUIET`` set to anything but
  ``""``/``0`` hides them (the Makefile sets ``NNTHEORY_QUIET=1``).
"""

from __future__ import annotations

import os

__all__ = ["SCALES", "scale", "is_full_scale", "show_progress"]

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


def show_progress() -> bool:
    """Whether long loops should show a ``tqdm.auto`` progress bar."""
    return not (_flag("CI") or _flag("NNTHEORY_QUIET"))
