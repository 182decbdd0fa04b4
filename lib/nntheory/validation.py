"""Argument checks shared by every module of :mod:`nntheory` (one home, one wording).

Every public function of the library validates its arguments with these helpers,
so that bad input raises a :class:`TypeError` (wrong kind of object) or a
:class:`ValueError` (right kind, bad value) whose message names the argument and
says what was expected. None of them imports torch.

Conventions
-----------
* ``bool`` is never accepted where a number is expected (``True`` is an ``int`` in
  Python, but a flag passed as a count is a mistake).
* NumPy scalars and 0-d arrays count as numbers; so does anything with
  ``__index__`` (for integers) or ``__float__`` (for reals) that is not an array
  of more than one element.
* A type error is raised for the wrong kind of object (a string for a count), a
  value error for the right kind with a bad value (a negative count, NaN).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np

__all__ = [
    "check_int",
    "check_real",
    "check_positive",
    "check_probability",
    "check_seed",
    "check_flag",
    "check_choice",
    "check_array",
    "check_callable",
    "MAX_ELEMENTS",
    "check_size",
    "check_elements",
]

#: The most float64 entries (5e7, i.e. 400 MB) that any one array the library is about
#: to allocate may hold. Larger requests are refused at once by :func:`check_elements`,
#: before any work is done, rather than running out of memory (or time) minutes later.
MAX_ELEMENTS = 50_000_000


def _is_bool(value: object) -> bool:
    return isinstance(value, (bool, np.bool_))


def _scalar(value: object) -> object:
    """Unwrap a 0-d NumPy array or a one-element torch tensor to a Python scalar."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    if type(value).__module__.startswith("torch") and hasattr(value, "item"):
        try:
            if value.numel() == 1 and value.dim() == 0:  # type: ignore[attr-defined]
                return value.item()
        except Exception:  # pragma: no cover - not a tensor after all
            return value
    return value


def _to_float(value: object, name: str) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except OverflowError:  # an integer or fraction beyond float64 (10**400)
        raise ValueError(f"{name} is too large for a float64 (|value| > 1.8e308)") from None


def check_int(value: object, name: str, *, minimum: int | None = None,
              maximum: int | None = None) -> int:
    """``value`` as a Python ``int`` in ``[minimum, maximum]`` (bounds optional).

    Raises ``TypeError`` for non-integers (``1.5``, ``"3"``, ``True``) and
    ``ValueError`` for integers out of range.
    """
    value = _scalar(value)
    if _is_bool(value) or not isinstance(value, numbers.Integral):
        want = "an integer"
        if minimum is not None:
            want += f" >= {minimum}"
        raise TypeError(f"{name} must be {want}; got {value!r} ({type(value).__name__})")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be an integer <= {maximum}; got {value}")
    return value


def check_real(value: object, name: str, *, low: float | None = None,
               high: float | None = None, low_open: bool = False, high_open: bool = False,
               finite: bool = True) -> float:
    """``value`` as a finite ``float`` in the interval given by ``low``/``high``.

    ``low_open``/``high_open`` exclude the end point. ``finite=False`` lets ``inf``
    through (never NaN).
    """
    value = _scalar(value)
    if _is_bool(value) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {value!r} ({type(value).__name__})")
    value = _to_float(value, name)
    if math.isnan(value) or (finite and math.isinf(value)):
        raise ValueError(f"{name} must be a finite number; got {value!r}")
    lo_bad = low is not None and (value <= low if low_open else value < low)
    hi_bad = high is not None and (value >= high if high_open else value > high)
    if lo_bad or hi_bad:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        raise ValueError(f"{name} must lie in {left}{lo}, {hi}{right}; got {value!r}")
    return value


def check_positive(value: object, name: str) -> float:
    """A finite real number ``> 0``."""
    value = _scalar(value)
    if _is_bool(value) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a positive number; got {value!r} "
                        f"({type(value).__name__})")
    value = _to_float(value, name)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number; got {value!r}")
    return value


def check_probability(value: object, name: str, *, allow_one: bool = False) -> float:
    """A number in ``[0, 1)`` (``[0, 1]`` with ``allow_one``)."""
    return check_real(value, name, low=0.0, high=1.0, high_open=not allow_one)


def check_seed(seed: object, name: str = "seed", *, allow_none: bool = True) -> int | None:
    """A seed for :func:`numpy.random.default_rng`: ``None`` or an integer ``>= 0``.

    One rule for the whole library: ``"abc"``, ``1.5`` and ``[1, 2]`` are
    ``TypeError``; ``-1`` is a ``ValueError``.
    """
    if seed is None:
        if allow_none:
            return None
        raise TypeError(f"{name} must be a non-negative integer; got None")
    seed = _scalar(seed)
    if _is_bool(seed) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{name} must be None or a non-negative integer; got {seed!r} "
                        f"({type(seed).__name__})")
    if seed < 0:
        raise ValueError(f"{name} must be a non-negative integer; got {int(seed)}")
    return int(seed)


def check_flag(value: object, name: str) -> bool:
    """``True`` or ``False`` (NumPy booleans too), nothing else."""
    if not _is_bool(value):
        raise TypeError(f"{name} must be True or False; got {value!r}")
    return bool(value)


def check_choice(value: object, allowed: Sequence[str], name: str) -> str:
    """One of the ``allowed`` names (case-insensitive); returns the canonical name."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {', '.join(map(repr, allowed))}; "
                        f"got {value!r}")
    key = value.strip().lower()
    for option in allowed:
        if option.lower() == key:
            return option
    raise ValueError(f"unknown {name} {value!r}; expected one of {', '.join(map(repr, allowed))}")


def check_array(value: object, name: str, *, ndim: int | Sequence[int] | None = None,
                shape: tuple[int | None, ...] | None = None, finite: bool = True,
                min_size: int = 1) -> np.ndarray:
    """``value`` as a float64 array with the given ``ndim``/``shape``; NaN/inf refused.

    ``shape`` entries of ``None`` match any length. Strings, ``None`` and ragged
    lists are ``TypeError``; a wrong shape, too few entries or a non-finite entry
    is a ``ValueError``.
    """
    if value is None or isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be an array of numbers; got {value!r}")
    if type(value).__module__.startswith("torch") and hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    try:
        arr = np.asarray(value, dtype=np.float64)
    except OverflowError:
        raise ValueError(f"{name} has an entry too large for a float64 "
                         f"(|value| > 1.8e308)") from None
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of numbers; got "
                        f"{type(value).__name__} ({exc})") from None
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            raise ValueError(f"{name} must have {' or '.join(map(str, allowed))} dimension(s); "
                             f"got shape {arr.shape}")
    if shape is not None:
        if arr.ndim != len(shape) or any(s is not None and s != a
                                         for s, a in zip(shape, arr.shape, strict=True)):
            want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name} must have shape {want}; got {arr.shape}")
    if arr.size < min_size:
        raise ValueError(f"{name} must have at least {min_size} entries; got {arr.size}")
    if finite and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def check_callable(value: object, name: str):
    """A callable (a function of NumPy arrays, usually)."""
    if not callable(value):
        raise TypeError(f"{name} must be callable (a function); got {type(value).__name__}")
    return value


def check_size(value: object, name: str, limit: int, why: str, *, minimum: int = 1,
               what: str | None = None) -> int:
    """``value`` as an integer in ``[minimum, limit]``; above ``limit`` a ``ValueError``
    that names the argument, the limit and ``why`` it exists.

    The one size guard of the library: a count (of layers, points, seeds, a degree) that
    would make a call run for hours or exhaust memory is refused before anything is
    computed. ``why`` completes the sentence "the limit exists because ..." (e.g.
    ``"the polynomial has degree 2**n"``). ``what`` names a size derived from the
    argument (a degree, a bit count, a number of entries) when ``value`` is that size
    rather than the argument itself.
    """
    value = check_int(value, name if what is None else f"{what} of {name}", minimum=minimum)
    if value > limit:
        if what is None:
            raise ValueError(f"{name} = {value:,} exceeds the limit of {limit:,}: {why}")
        raise ValueError(f"{name} asks for {what} = {value:,}, above the limit of {limit:,}: "
                         f"{why}")
    return value


def check_elements(count: object, name: str, *, limit: int = MAX_ELEMENTS,
                   what: str = "an array") -> int:
    """Refuse an array of ``count`` entries (an integer, or a shape whose product is taken
    exactly in Python integers) before it is allocated, if ``count > limit``
    (:data:`MAX_ELEMENTS` by default); the message names ``name``, the argument(s) that
    set the size, the entries requested, the limit and the memory it would take."""
    if isinstance(count, (tuple, list)):
        total = 1
        for n in count:
            total *= int(n)
    else:
        total = int(count)  # type: ignore[call-overload]
    if total > limit:
        gb = total * 8 / 1e9
        raise ValueError(f"{name} would need {what} of {total:,} float64 entries "
                         f"({gb:,.3g} GB); the limit is {limit:,} entries "
                         f"({limit * 8 / 1e9:g} GB) per array")
    return total
