"""``nntheory assign CHAPTER --roster roster.csv --out assigned/``: one copy per student.

Reads a roster (CSV with a ``student_id`` column; other columns such as name or
email are kept in ``keys.csv``), and writes, for each student, the chapter's
student copy (:func:`nntheory.teaching.student.make_student_copy`) with a first
code cell that selects the student's variant
(:func:`nntheory.teaching.variants.key_cell`), as ``OUT/<student_id>/<chapter>.ipynb``,
and ``OUT/keys.csv`` (``student_id,key``, then the roster's other columns), which
the teacher keeps and gives to the grader (``nntheory grade ... --keys``). Keys are
random; assigning again keeps the keys of the students already in ``keys.csv``
(a student who lost a copy gets the same variant back).

It also keeps the chapter's solution notebook as it was when assigned, as
``OUT/reference/<chapter>.ipynb``: the grader recognises the chapter's own cells in a
submission by comparing them with the reference, so a course grades against the
notebook the students were given (``nntheory grade OUT/reference/<chapter>.ipynb ...``),
not against a newer edition of the book whose cells differ. Assigning again into the
same folder after the chapter changed is refused (the students already hold the older
copy): assign into a new folder.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

from . import student as _student
from . import variants as _variants

__all__ = ["read_roster", "assign", "reference_path"]


def reference_path(out: str | os.PathLike, chapter_file: str) -> Path:
    """Where :func:`assign` keeps the solution notebook the students' copies came from."""
    return Path(out) / "reference" / chapter_file


def read_roster(path: str | os.PathLike) -> list[dict[str, str]]:
    """The roster's rows (``ValueError`` naming the file for a missing column, an empty,
    repeated or malformed id)."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"roster: {path} is not a file")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "student_id" not in [f.strip() for f in reader.fieldnames]:
            raise ValueError(f"roster: {path} has no 'student_id' column "
                             f"(columns: {reader.fieldnames})")
        rows = [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in reader]
    seen: set[str] = set()
    for number, row in enumerate(rows, start=2):
        sid = row["student_id"]
        try:
            _variants._check_id(sid)
        except ValueError as exc:
            raise ValueError(f"roster: {path}, line {number}: {exc}") from None
        if sid in seen:
            raise ValueError(f"roster: {path}, line {number}: student_id {sid!r} is repeated")
        seen.add(sid)
    if not rows:
        raise ValueError(f"roster: {path} lists no student")
    return rows


def _old_keys(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    with path.open(newline="", encoding="utf-8") as fh:
        return {row["student_id"]: row["key"] for row in csv.DictReader(fh)
                if row.get("student_id") and row.get("key")}


def assign(chapter: str | os.PathLike, roster: str | os.PathLike,
           out: str | os.PathLike) -> list[Path]:
    """Write one keyed student copy of ``chapter`` per roster row; return their paths."""
    from .grade import resolve_chapter
    source = resolve_chapter(chapter)
    rows = read_roster(roster)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"out: {out} exists and is not a folder")
    try:
        nb = json.loads(source.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ValueError(f"{source}: not a notebook ({exc})") from None
    plain = _student.make_student_copy(nb)
    reference = reference_path(out, source.name)
    text = source.read_text(encoding="utf-8")
    if reference.is_file() and reference.read_text(encoding="utf-8") != text:
        raise ValueError(f"out: {out} holds copies of an earlier version of {source.name} "
                         f"(kept in {reference}); the chapter has changed since, so grade "
                         "those copies against that reference and assign the new version "
                         "into another folder")
    keys_path = out / "keys.csv"
    keys = _old_keys(keys_path)
    out.mkdir(parents=True, exist_ok=True)
    reference.parent.mkdir(exist_ok=True)
    if not reference.is_file():
        reference.write_text(text, encoding="utf-8")
    written = []
    for row in rows:
        sid = row["student_id"]
        key = keys.setdefault(sid, _variants.new_key())
        copy = json.loads(json.dumps(plain))
        copy["cells"].insert(0, _variants.key_cell(sid, key))
        path = out / sid / source.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(copy, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    extra = [c for c in rows[0] if c != "student_id"]
    tmp = keys_path.with_suffix(".csv.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student_id", "key", *extra])
        listed = {row["student_id"] for row in rows}
        for row in rows:
            writer.writerow([row["student_id"], keys[row["student_id"]],
                             *(row.get(c, "") for c in extra)])
        for sid, key in keys.items():        # students assigned before, not on this roster
            if sid not in listed:
                writer.writerow([sid, key, *("" for _ in extra)])
    os.replace(tmp, keys_path)
    return written
