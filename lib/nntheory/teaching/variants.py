"""Per-student variants of an exercise's data (the student key).

An assigned student copy (``nntheory assign``) starts with one code cell, tagged
:data:`KEY_TAG`, that calls :func:`set_student` with the student's id and a random
key. Every exercise whose answer is a number or depends on data draws that data
from :func:`variant_rng` (seeded from the key and the exercise's label), so two
students get different instances and a copied answer of another variant is wrong.
The exercise's data cell prints the instance; its check computes the expected
value for the current variant inside the check. Without a key (the book's site,
the plain student copy, a solution notebook) every exercise shows **variant 0**,
the instance the chapter's prose was written for.

Keys are random (:func:`new_key`, ``secrets.token_hex``): they cannot be derived
from a student id, so a student cannot compute another student's instance from
the roster. :func:`read_key` reads the key cell of a submission back (the grader
compares it with the roster's ``keys.csv``).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable

import numpy as np

__all__ = ["KEY_TAG", "set_student", "current", "clear", "variant_rng", "instance",
           "new_key", "key_cell_source", "key_cell", "read_key"]

#: The tag of the first code cell of an assigned student copy.
KEY_TAG = "nntheory-student-key"

_state: dict[str, str | None] = {"student": None, "key": None}
_KEY = re.compile(r"^[0-9a-f]{16,128}$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$")
_CELL = re.compile(r"^from nntheory\.teaching import variants\n"
                   r"variants\.set_student\((?P<id>'[^'\n]*'|\"[^\"\n]*\"), "
                   r"(?P<key>'[^'\n]*'|\"[^\"\n]*\")\)\n?$")


def _check_id(student_id: object) -> str:
    if not isinstance(student_id, str) or not _ID.match(student_id):
        raise ValueError("student_id must be a non-empty id of letters, digits and . _ - @ "
                         f"(at most 100 characters, starting with a letter or digit); "
                         f"got {student_id!r}")
    return student_id


def _check_key(key: object) -> str:
    if not isinstance(key, str) or not _KEY.match(key):
        raise ValueError("key must be a student key as nntheory assign writes it "
                         f"(16 to 128 lowercase hex digits); got {key!r}")
    return key


def set_student(student_id: str, key: str) -> None:
    """Select the variant of ``student_id`` (the first cell of an assigned copy runs it)."""
    _state["student"], _state["key"] = _check_id(student_id), _check_key(key)


def current() -> tuple[str | None, str | None]:
    """``(student_id, key)``; ``(None, None)`` when no key cell ran (variant 0)."""
    return _state["student"], _state["key"]


def clear() -> None:
    """Back to variant 0 (no student)."""
    _state["student"] = _state["key"] = None


def variant_rng(label: str) -> np.random.Generator:
    """A generator seeded from the current key and ``label``: the data of exercise
    ``label`` for this student. Without a key, the generator of variant 0."""
    if not isinstance(label, str) or not label:
        raise TypeError(f"label must be an exercise label (a non-empty string); got {label!r}")
    key = _state["key"] or ""
    digest = hashlib.sha256(f"nntheory-variant\0{key}\0{label}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "little"))


def instance(label: str, variant0: Callable[[], object],
             draw: Callable[[np.random.Generator], object]):
    """The data of exercise ``label`` for the current student: ``variant0()`` (the
    instance the chapter was written for) without a key, else
    ``draw(variant_rng(label))``."""
    if _state["key"] is None:
        return variant0()
    return draw(variant_rng(label))


def new_key() -> str:
    """A fresh random key (32 hex digits)."""
    return secrets.token_hex(16)


def key_cell_source(student_id: str, key: str) -> str:
    """The source of the key cell of ``student_id``'s copy."""
    return ("from nntheory.teaching import variants\n"
            f"variants.set_student({_check_id(student_id)!r}, {_check_key(key)!r})")


def key_cell(student_id: str, key: str) -> dict:
    """The key cell (an nbformat code cell, tagged :data:`KEY_TAG`)."""
    return {"cell_type": "code", "id": "nntheory-student-key", "execution_count": None,
            "metadata": {"tags": [KEY_TAG], "editable": False, "deletable": False},
            "outputs": [], "source": key_cell_source(student_id, key)}


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def read_key(nb: dict) -> tuple[str, str] | None:
    """``(student_id, key)`` of a submission's key cell, ``None`` when it has none.

    The key cell must be the first code cell, tagged :data:`KEY_TAG`, with exactly the
    source :func:`key_cell_source` writes; anything else (a second key cell, an edited
    one, one that is not first) raises ``ValueError`` saying what is wrong, so that the
    grader can flag it.
    """
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise TypeError("nb must be a notebook as a dict with a 'cells' list")
    code = [c for c in nb["cells"] if isinstance(c, dict) and c.get("cell_type") == "code"]
    tagged = [i for i, c in enumerate(code)
              if KEY_TAG in ((c.get("metadata") or {}).get("tags") or [])
              or "variants.set_student" in _source(c)]
    if not tagged:
        return None
    if len(tagged) > 1:
        raise ValueError(f"the notebook has {len(tagged)} key cells; an assigned copy has one")
    if tagged != [0]:
        raise ValueError("the key cell is not the first code cell")
    match = _CELL.match(_source(code[0]).strip() + "\n")
    if match is None or KEY_TAG not in ((code[0].get("metadata") or {}).get("tags") or []):
        raise ValueError("the key cell was edited")
    student_id, key = match.group("id")[1:-1], match.group("key")[1:-1]
    try:
        _check_id(student_id)
        _check_key(key)
    except ValueError as exc:
        raise ValueError(f"the key cell was edited ({exc})") from None
    return student_id, key
