"""The grader: run every submitted notebook of one chapter, grade it, write feedback.

``nntheory grade CHAPTER SUBMISSIONS/ --out grades/`` (see :func:`grade`):

1. Each submission is read (a corrupt file scores 0, with a line saying so) and
   identified: its ``{exercise}`` labels must be the chapter's (a notebook of
   another chapter scores 0). Every *check cell* of the chapter (a code cell
   that calls ``checks.`` outside the solution blocks) must be there unchanged,
   found by its cell id or its source; an edited or deleted check cell scores 0
   for its exercise. Its key cell (an assigned copy, :mod:`nntheory.teaching.variants`)
   is read; with the class's ``keys.csv`` a key that is not the student's own is
   flagged, and the notebook is graded with the student's own key.
2. The notebook runs in a fresh kernel (nbclient) inside its own sandbox
   (:mod:`nntheory.teaching.sandbox`; executor and kernel together,
   :mod:`nntheory.teaching.executor`), one cell after another, each cell with a
   time limit of its own (a cell that runs past it is interrupted and the next
   cells still run) and the whole notebook with one too. Every answer check appends
   its result to the grading log (the structured channel of
   :mod:`nntheory.teaching.checks`).
   Every code cell that is not one of the chapter's own (a solution cell, a cell the
   student added: any cell whose source is not that of a code cell of the solution
   notebook outside its solutions) runs with the **grader's lock** on
   (:class:`nntheory.teaching.forbid.Lock`): every Python function that an exercise
   of the chapter forbids, every function of a forbidden module (``torch.optim``'s
   private helpers too) and the registry's own helpers and verdicts have their code
   swapped for one that raises, so aliases, ``getattr``, ``importlib`` and copies made
   there fail too; the chapter's own cells and checks run with it off. The switch is
   a silent kernel call with a secret (not in the notebook's history).
3. One more cell, the grader's, then runs in the same kernel
   (:func:`in_kernel`, from a **private copy of the library** loaded from its files,
   so that nothing the notebook changed in the registry, the checks or the library
   functions that compute expected values is used): it verifies that ``checks`` is
   still the library's module with its functions unchanged and the lock's switch is
   the library's, takes each registered exercise's answer from the student's
   namespace (read with the lock on) and checks it against the copy's registry:
   the visible case and, when that passes, the **hidden cases** (a function answer
   runs with the lock on), each with its own time limit. Its lines carry a random
   token; the grader keeps only those.
4. An exercise earns its points when its check cell is intact, its check ran
   and passed, and the grader's visible and hidden cases pass. A written answer
   (``kind="written"``) is copied into the feedback and marked by the teacher
   (``--marks``).

Results (:mod:`nntheory.teaching.report`): ``results/STUDENT.json`` per student,
from which ``grades.csv`` (merged by student: re-grading one student keeps the
others), ``feedback/STUDENT.md`` and ``.html``, ``summary.md`` with a histogram, and
gradebook exports are written. A feedback line never contains an expected value.
Code run in the same kernel as the grader can, with effort, defeat in-kernel checks
of its own notebook; the sandbox keeps it from touching anything else.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import secrets
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from . import exercises as _exercises
from . import sandbox as _sandbox

__all__ = ["Reference", "load_reference", "resolve_chapter", "find_submissions",
           "grade_one", "grade", "in_kernel", "write_results", "read_keys", "BOOK_CHAPTERS",
           "CELL_TIMEOUT_S", "ANSWER_TAG"]

#: The chapters of the book this package was installed from (an editable install).
BOOK_CHAPTERS = Path(__file__).resolve().parents[3] / "book" / "chapters"
_LABEL = re.compile(r"^:label:\s*(ex-[\w-]+)\s*$", re.MULTILINE)
_CHECKED_FUNCTIONS = ("answer_check", "check_number", "check_array", "check_true",
                      "check_exercise", "number_verdict", "array_verdict", "_record",
                      "_report", "_as_float", "_as_array")
#: Seconds the grader's own cell may take, and each hidden case within it.
GRADING_CELL_S = 120
HIDDEN_CASE_S = 20
#: Seconds one cell may run before it is interrupted (the next cells still run).
CELL_TIMEOUT_S = 60
#: The tag of a written answer's Markdown cell (metadata ``{"nntheory": {"exercise": label}}``).
ANSWER_TAG = "nntheory-answer"


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _normal(src: str) -> str:
    return "\n".join(line.rstrip() for line in src.strip().splitlines())


def _labels(nb) -> list[str]:
    return [m for c in nb.get("cells", []) if c.get("cell_type") == "markdown"
            for m in _LABEL.findall(_source(c))]


def _regions(nb) -> list[str | None]:
    """For each cell, the label of the exercise it belongs to (the last one above it)."""
    out, current = [], None
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            found = _LABEL.findall(_source(cell))
            if found:
                current = found[-1]
            elif re.search(r"^#{1,2} ", _source(cell), re.MULTILINE) and current:
                current = None   # a new section after the exercises (the summary)
        out.append(current)
    return out


def _read_key(nb) -> list[str] | None:
    try:
        from . import variants
        found = variants.read_key(nb)
    except (ImportError, ValueError):
        return None
    return list(found) if found else None


def _own_cells(nb, reference) -> list[int]:
    """The 1-based positions of the submission's code cells that are the chapter's own
    (the same source as a code cell of the solution notebook outside its solutions):
    every other code cell, the solutions and any cell a student added, runs with the
    forbidden functions disabled."""
    own = reference.own_sources
    return [index + 1 for index, cell in enumerate(nb.get("cells", []))
            if cell.get("cell_type") == "code" and _normal(_source(cell)) in own]


@dataclass
class Reference:
    """What a chapter's submissions are graded against."""
    chapter: str                     # the notebook's stem, e.g. "03_backprop"
    path: Path
    labels: list[str]                # every exercise label of the chapter
    exercises: list                  # the registered ones (Exercise objects)
    check_cells: dict[str, tuple[str, str | None]]   # cell id -> (source, exercise)
    written: list = field(default_factory=list)      # the written ones (marked by hand)
    own_sources: set = field(default_factory=set)    # its code cells but the solutions

    @property
    def auto(self) -> list:
        """The exercises the grader checks (all but the written ones)."""
        return [ex for ex in self.exercises if not _is_written(ex)]

    @property
    def max_points(self) -> int:
        return sum(ex.points for ex in self.exercises)

    @property
    def forbidden(self) -> list[str]:
        """What the cells a student wrote run without: every exercise's ``forbid`` and
        the registry's own helpers."""
        from . import forbid
        names = [name for ex in self.auto for name in ex.forbid]
        return list(dict.fromkeys([*names, forbid.REGISTRY_INTERNALS]))


def _is_written(ex) -> bool:
    return getattr(ex, "kind", "") == "written"


def resolve_chapter(chapter: str | os.PathLike) -> Path:
    """The solution notebook of ``chapter``: a path to an ``.ipynb``, or a chapter's
    stem or number (``03_backprop``, ``03``, ``3``) in the book's ``chapters`` folder."""
    if isinstance(chapter, int) and not isinstance(chapter, bool):
        chapter = str(chapter)
    if not isinstance(chapter, (str, os.PathLike)):
        raise TypeError(f"chapter must be a chapter's number, stem or notebook path; "
                        f"got {type(chapter).__name__}")
    path = Path(chapter)
    if path.suffix == ".ipynb":
        if not path.is_file():
            raise ValueError(f"chapter: no notebook {path}")
        return path
    text = str(chapter)
    if text.isdigit():
        text = f"{int(text):02d}"
    found = sorted(BOOK_CHAPTERS.glob(f"{text}*.ipynb")) if BOOK_CHAPTERS.is_dir() else []
    if len(found) != 1:
        known = ", ".join(p.stem for p in sorted(BOOK_CHAPTERS.glob("*.ipynb")))
        raise ValueError(f"chapter: {chapter!r} names {len(found)} notebooks in "
                         f"{BOOK_CHAPTERS} (chapters: {known or 'none found'}); "
                         "give a chapter's number, stem or the path to its notebook")
    return found[0]


def load_reference(chapter: str | os.PathLike) -> Reference:
    """Read the chapter's solution notebook: its labels, registered exercises and check
    cells. ``ValueError`` when no exercise of it is registered."""
    path = resolve_chapter(chapter)
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
            raise ValueError("no list of cells")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"chapter: {path} is not a Jupyter notebook (not valid notebook "
                         f"JSON: {exc})") from None
    stem = path.stem
    registered = _exercises.for_chapter(stem)
    if not registered:
        raise ValueError(f"chapter: {stem} has no exercise registered in "
                         "nntheory.teaching.exercises (registered chapters: "
                         f"{', '.join(_exercises.chapters())})")
    regions = _regions(nb)
    check_cells: dict[str, tuple[str, str | None]] = {}
    for index, cell in enumerate(nb["cells"]):
        src = _source(cell)
        if cell.get("cell_type") == "code" and "checks." in src and \
                "# BEGIN SOLUTION" not in src:
            check_cells[cell.get("id") or f"#{index}"] = (src, regions[index])
    own = {_normal(_source(cell)) for cell in nb["cells"] if cell.get("cell_type") == "code"
           and "# BEGIN SOLUTION" not in _source(cell) and _source(cell).strip()}
    return Reference(stem, path, _labels(nb), registered, check_cells,
                     [ex for ex in registered if _is_written(ex)], own)


def find_submissions(folder: str | os.PathLike) -> list[tuple[str, Path]]:
    """``(student, path)`` pairs: each ``.ipynb`` in ``folder`` is one student (named by
    the file's stem); each sub-folder is one student (named by the folder, as GitHub
    Classroom and most LMS downloads lay them out) with the notebook inside it."""
    root = Path(folder)
    if not root.is_dir():
        raise ValueError(f"submissions: {root} is not a folder")
    found: list[tuple[str, Path]] = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            notebooks = sorted(p for p in entry.rglob("*.ipynb")
                               if ".ipynb_checkpoints" not in p.parts)
            if notebooks:
                found.append((entry.name, notebooks[0]))
        elif entry.suffix == ".ipynb":
            found.append((entry.stem, entry))
    return found


# ----------------------------------------------------------------- inside the kernel


def _fingerprint(fn) -> str:
    code = getattr(fn, "__code__", None)
    if code is None:
        return "not a function"
    return _code_digest(code)


def _code_digest(code) -> str:
    """A digest of a code object that does not depend on memory addresses."""
    consts = tuple(_code_digest(c) if hasattr(c, "co_code") else repr(c)
                   for c in code.co_consts)
    data = repr((code.co_code, consts, code.co_names)).encode()
    return hashlib.sha256(data).hexdigest()


def check_fingerprints() -> dict[str, str]:
    """The fingerprints of the checks' functions, as this process has them."""
    from . import checks
    return {name: _fingerprint(getattr(checks, name)) for name in _CHECKED_FUNCTIONS}


class _Alarm(Exception):
    pass


def _with_alarm(fn: Callable, seconds: int):
    """``fn()`` with a time limit (SIGALRM; the kernel runs cells in its main thread)."""
    if threading.current_thread() is not threading.main_thread() or \
            not hasattr(signal, "SIGALRM"):
        return fn()

    def ring(signum, frame):
        raise _Alarm()

    old = signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)
    try:
        return fn()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _safe(fn: Callable, answer) -> tuple[bool, str]:
    try:
        ok, message = _with_alarm(lambda: fn(answer), HIDDEN_CASE_S)
        return bool(ok), str(message)
    except _Alarm:
        return False, f"did not finish within {HIDDEN_CASE_S} s"
    except BaseException as exc:  # noqa: BLE001 - a student's code may raise anything
        return False, f"raised {type(exc).__name__}"


class _Unreadable:
    """An answer object that could not be read with the forbidden functions disabled."""

    def __init__(self, why: str):
        self.why = why

    def __repr__(self) -> str:
        return f"<unreadable answer: {self.why}>"


def _plain(value, depth: int = 0):
    """``value`` as plain numbers, arrays, lists, tuples and dicts (read while the
    grader's lock is on, so an object that computes its value when read cannot use a
    forbidden function); functions are left as they are."""
    import numbers
    from fractions import Fraction

    import numpy as np
    if depth > 20:
        return _Unreadable("nested too deeply")
    if value is None or value is Ellipsis or callable(value) and not isinstance(value, type):
        return value
    kind = type(value)
    if kind in (bool, int, float, complex, str, bytes, Fraction):
        return value
    if kind is np.ndarray:
        if value.dtype == object:
            out = np.empty(value.shape, dtype=object)
            for index, item in np.ndenumerate(value):
                out[index] = _plain(item, depth + 1)
            return out
        return value.copy()
    if isinstance(value, np.generic) and kind.__module__ == "numpy":
        return value.item() if value.dtype != object else _plain(value.item(), depth + 1)
    if kind in (list, tuple):
        return kind(_plain(v, depth + 1) for v in value)
    if kind is dict:
        return {_plain(k, depth + 1): _plain(v, depth + 1) for k, v in value.items()}
    try:
        if kind.__module__.startswith("torch") and hasattr(value, "detach"):
            return np.array(value.detach().cpu().numpy(), copy=True)
        if isinstance(value, numbers.Real):
            return float(value)
        if isinstance(value, numbers.Complex):
            return complex(value)
        arr = np.asarray(value)
        return arr.copy() if arr.dtype.kind in "biufc" else value
    except BaseException as exc:  # noqa: BLE001 - a student's object may raise anything
        return _Unreadable(type(exc).__name__)


def _switch_digest() -> str:
    """The digest of :func:`nntheory.teaching.forbid.install_lock`'s switch (this copy's)."""
    from . import forbid
    code = next(c for c in forbid.install_lock.__code__.co_consts
                if hasattr(c, "co_code") and c.co_name == "grader_switch")
    return _code_digest(code)


def in_kernel(namespace: dict, chapter: str, token: str, fingerprints: dict[str, str],
              key: tuple[str, str] | list | None = None,
              lock: tuple[str, bool] | list | None = None) -> None:
    """The grader's cell: verify ``checks``, grade each registered exercise of
    ``chapter`` on the student's ``namespace``, append the results (marked with
    ``token``) to the grading log.

    The executor calls it from a *private copy* of the library loaded from its files
    (:mod:`nntheory.teaching.executor`): the registry, the checks and the library
    functions that compute expected values and hidden cases are this copy's, never
    the objects the notebook could change. ``key``: the student's ``(id, key)``
    (the variant graded). ``lock``: ``(unused, installed)`` of the grader's lock
    (:func:`nntheory.teaching.forbid.install_lock`): answers are read, and a function
    answer runs, with every forbidden function disabled (a level of the lock's audit
    hook, :func:`nntheory.teaching.forbid.grader_level`: no secret is needed or kept)."""
    from . import checks, exercises, variants
    from . import forbid as _forbid
    log = os.environ.get(checks.LOG_ENV)
    lines = []
    seen = namespace.get("checks", None)
    problem = ""
    shared_forbid = sys.modules.get("nntheory.teaching.forbid")
    switch = getattr(shared_forbid, "grader_switch", None) if lock and lock[1] else None
    if seen is None:
        problem = "the notebook never imported `checks` (its first cell was changed or not run)"
    elif seen is not sys.modules.get("nntheory.teaching.checks"):
        problem = "the name `checks` was redefined: it is not the library's answer checks"
    else:
        changed = [name for name, fp in fingerprints.items()
                   if _fingerprint(getattr(seen, name, None)) != fp]
        if changed:
            problem = ("the answer checks were changed in the notebook "
                       f"({', '.join(changed)})")
    if not problem and lock and lock[1] and (_fingerprint(switch) != _switch_digest()
                                             or not _forbid.genuine_audit()):
        problem = "the grader's lock on forbidden functions was changed in the notebook"
    lines.append({"kind": "integrity", "token": token, "problem": problem})
    if key:
        variants.set_student(str(key[0]), str(key[1]))
    else:
        variants.clear()
    exercises._LOG_VERDICTS = False

    def locked(fn: Callable, *args, **kwargs):
        if switch is None:
            return fn(*args, **kwargs)
        with _forbid.grader_level():      # a level of the audit hook: no secret here
            return fn(*args, **kwargs)

    def wrap(answer):
        def with_the_lock(*args, **kwargs):
            return locked(answer, *args, **kwargs)
        return with_the_lock

    if switch is not None:
        exercises._CALL_WRAPPER = wrap
    missing = object()
    for ex in exercises.for_chapter(chapter):
        if _is_written(ex):
            continue
        answer = namespace.get(ex.answer, missing)
        if answer is not missing and not callable(answer):
            answer = locked(_plain, answer)
        record = {"kind": "grade", "token": token, "exercise": ex.label,
                  "found": answer is not missing,
                  "unsolved": answer is missing or any(answer is u for u in checks.UNSOLVED)}
        if record["unsolved"]:
            record["visible"], record["hidden"] = [False, "not answered"], []
        else:
            record["visible"] = list(_safe(ex.verdict, answer))
            record["hidden"] = ([[case.what, *_safe(case.run, answer)] for case in ex.hidden]
                                if record["visible"][0] else [])
        lines.append(record)
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            for line in lines:
                fh.write(json.dumps(line, ensure_ascii=False) + "\n")


# ----------------------------------------------------------------- one submission


def _other_chapter(labels: list[str]) -> str:
    chapters = {ex.chapter for label in labels if label in _exercises.REGISTRY
                for ex in [_exercises.REGISTRY[label]]}
    if not chapters and BOOK_CHAPTERS.is_dir():
        for path in sorted(BOOK_CHAPTERS.glob("*.ipynb")):
            try:
                theirs = set(_labels(json.loads(path.read_text(encoding="utf-8"))))
            except ValueError:
                continue
            if theirs & set(labels):
                chapters.add(path.stem)
    return ", ".join(sorted(chapters)) or "no chapter of the book"


def _written_answers(nb, labels: list[str]) -> dict[str, str]:
    """The text of each written answer cell (Markdown, tagged :data:`ANSWER_TAG`)."""
    out: dict[str, str] = {}
    for cell in nb.get("cells", []):
        meta = cell.get("metadata") or {}
        if cell.get("cell_type") != "markdown" or ANSWER_TAG not in (meta.get("tags") or []):
            continue
        label = (meta.get("nntheory") or {}).get("exercise")
        if label not in labels:
            continue
        text = _source(cell).strip()
        for prompt in _answer_prompts(label):        # the student copy's prompt, any language
            if text.startswith(prompt):
                text = text[len(prompt):].strip()
                break
        if text:
            out[label] = (out.get(label, "") + "\n\n" + text).strip()[:20000]
    return out


def _answer_prompts(label: str) -> list[str]:
    from . import student
    prompts = getattr(student, "ANSWER_PROMPTS", None) or {
        "en": getattr(student, "_ANSWER_PROMPT", "")}
    return [prompt.format(label=label).strip() for prompt in prompts.values() if prompt]


def read_keys(path: str | os.PathLike) -> dict[str, str]:
    """``student_id -> key`` from the ``keys.csv`` that ``nntheory assign`` wrote."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise ValueError(f"keys: cannot read {path} ({exc.strerror})") from None
    if not rows or not {"student_id", "key"} <= set(rows[0]):
        raise ValueError(f"keys: {path} needs the columns student_id,key "
                         "(the keys.csv that `nntheory assign` writes)")
    return {row["student_id"].strip(): row["key"].strip() for row in rows}


def _check_key(nb, student: str, keys: dict[str, str] | None, problems: list[str]) -> str:
    """Read the submission's key cell; with ``keys``, compare it with the student's row
    and put the student's own key cell in place. Returns a flag ('' when all is well)."""
    try:
        from . import variants
    except ImportError:      # pragma: no cover - the homework helper's module
        if keys is not None:
            raise ValueError("--keys needs nntheory.teaching.variants") from None
        return ""
    try:
        found = variants.read_key(nb)
        trouble = ""
    except ValueError as exc:
        found, trouble = None, str(exc)
    flag = ""
    if keys is None:
        if trouble:
            flag = f"key cell: {trouble}"
        elif found is not None and found[0] != student:
            flag = f"the key cell names another student ({found[0]})"
    else:
        own = keys.get(student)
        if own is None:
            flag = "the student is not in keys.csv"
        elif trouble:
            flag = f"key cell: {trouble}"
        elif found is None:
            flag = "the key cell is missing"
        elif found != (student, own):
            flag = "the key cell is not the student's own (another student's copy?)"
        if own is not None:
            code = [c for c in nb.cells if c.cell_type == "code"]
            tagged = [c for c in code if variants.KEY_TAG in (c.metadata.get("tags") or [])
                      or "variants.set_student" in _source(c)]
            for cell in tagged:
                cell.source = "# (the grader removed a key cell that was not the first)" \
                    if cell is not code[0] else cell.source
            source = variants.key_cell_source(student, own)
            if code and code[0] in tagged:
                code[0].source = source
            else:
                import nbformat
                cell = nbformat.v4.new_code_cell(source)
                cell.metadata["tags"] = [variants.KEY_TAG]
                first = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"),
                             len(nb.cells))
                nb.cells.insert(first, cell)
    if flag:
        problems.append(f"Flagged for your teacher: {flag}." + (
            " The notebook was graded with your own key." if keys is not None and
            student in keys else ""))
    return flag


def _where(event: dict) -> str:
    """A cell as Jupyter shows it: its position from the top (1-based, Markdown cells
    counted) and its execution count ``In [n]`` when the notebook is run from the top."""
    text = f"cell {event['cell']} (In [{event['count']}])"
    return text + (f", exercise {event['exercise']}" if event.get("exercise") else "")


_LIMIT_ERRORS = (("memory limit", lambda e: e.get("ename") == "MemoryError"),
                 ("disk limit", lambda e: "[Errno 28]" in str(e.get("evalue", ""))
                  or "No space left" in str(e.get("evalue", ""))),
                 ("process limit", lambda e: "[Errno 11]" in str(e.get("evalue", ""))
                  or "can't start new thread" in str(e.get("evalue", ""))))


def _describe(event: dict, cell_timeout: float, timeout: float) -> str:
    outcome = event["outcome"]
    if outcome == "cell timeout":
        return (f"{_where(event)} was still running after {cell_timeout:g} s (the time "
                "limit of one cell): an infinite loop? It was interrupted; the next cells ran.")
    if outcome == "deadline":
        return (f"The notebook reached its time limit ({timeout:g} s) in {_where(event)}; "
                "the cells from there on did not run.")
    if outcome == "kernel died":
        if not event.get("cell"):
            return ("The Python kernel died (a call to exit()? a limit of the sandbox?); "
                    "the answers could not be graded.")
        why = (" at the CPU-time limit" if event.get("exit") in (-signal.SIGXCPU,)
               else " (a call to exit()? a crash?)")
        return (f"The Python kernel died{why} in {_where(event)}; the notebook was run "
                "again in a new kernel without that cell.")
    if outcome == "grader error":
        return f"The grader's own cell could not finish ({event.get('ename')})."
    if outcome == "executor failed":
        return (f"The grader could not run the notebook ({event.get('ename')}: "
                f"{event.get('evalue', '')}); ask your teacher to look at it.")
    return f"{_where(event)} raised {event.get('ename')}: {event.get('evalue', '')}"


def grade_one(reference: Reference, path: str | os.PathLike, timeout: float = 300, *,
              cell_timeout: float = CELL_TIMEOUT_S, sandbox: bool = True,
              limits: _sandbox.Limits = _sandbox.DEFAULT_LIMITS, slot: int = 0,
              student: str | None = None, keys: dict[str, str] | None = None) -> dict:
    """Grade one submitted notebook; never raises for a bad submission. Returns a dict:
    ``status``, ``points`` (label -> points), ``results`` (label -> message),
    ``problems`` (lines for the feedback), ``written`` (label -> the answer's text),
    ``flag``, ``sandboxed``, ``seconds``, ``max``."""
    import nbformat

    start = time.monotonic()
    path = Path(path)
    student = student if student is not None else path.stem
    labels = [ex.label for ex in reference.exercises]
    points = dict.fromkeys(labels, 0)
    results = dict.fromkeys(labels, "not graded")
    for ex in reference.written:
        results[ex.label] = "a written answer: marked by your teacher"
    problems: list[str] = []
    info = {"written": {}, "flag": "", "sandboxed": bool(sandbox)}

    def done(status: str) -> dict:
        return {"status": status, "points": points, "results": results,
                "problems": problems, "seconds": round(time.monotonic() - start, 2),
                "max": reference.max_points, "chapter": reference.chapter, **info}

    try:
        nb = nbformat.read(str(path), as_version=4)
        nbformat.validate(nb)
        if not isinstance(nb.get("cells"), list):
            raise ValueError("no cells")
    except Exception as exc:  # noqa: BLE001 - any unreadable file is reported, not raised
        problems.append(f"The file could not be read as a Jupyter notebook "
                        f"({type(exc).__name__}: {str(exc)[:160]}). Submit the .ipynb "
                        "file itself, saved from Jupyter.")
        results.update(dict.fromkeys(labels, "the notebook could not be read"))
        return done("corrupt file")
    theirs = _labels(nb)
    if not set(theirs) & set(reference.labels):
        problems.append(f"This notebook is not chapter {reference.chapter}: its exercises "
                        f"belong to {_other_chapter(theirs)}. Submit the chapter's notebook.")
        results.update(dict.fromkeys(labels, "wrong chapter submitted"))
        return done("wrong chapter")
    info["written"] = _written_answers(nb, [ex.label for ex in reference.written])
    info["flag"] = _check_key(nb, student, keys, problems)
    by_id = {c.get("id"): _normal(_source(c)) for c in nb.cells if c.cell_type == "code"}
    sources = set(by_id.values())
    tampered: dict[str, str] = {}
    for cell_id, (src, label) in reference.check_cells.items():
        if _normal(src) in sources or label is None:
            continue
        how = "edited" if cell_id in by_id else "deleted"
        tampered.setdefault(label, how)
        problems.append(f"The check cell of exercise {label} was {how}; restore it from "
                        "the student copy (this exercise scores 0).")
    token = secrets.token_hex(16)
    job = {"notebook": nb, "chapter": reference.chapter, "token": token,
           "fingerprints": check_fingerprints(), "timeout": timeout,
           "cell_timeout": min(cell_timeout, timeout), "grading_cell_s": GRADING_CELL_S,
           "key": _read_key(nb), "forbid": reference.forbidden,
           "own_cells": _own_cells(nb, reference)}
    outcome, err = _sandbox.run_job(job, sandbox=sandbox, limits=limits, slot=slot,
                                    hard_timeout=timeout + GRADING_CELL_S + 90)
    if outcome is None:
        problems.append(f"The grader could not finish this notebook ({err[:200]}); "
                        "ask your teacher to look at it.")
        results.update(dict.fromkeys([ex.label for ex in reference.auto], "not graded"))
        return done("memory limit" if "memory limit" in err else "grader failed")
    events = outcome["events"]
    for event in events:
        if event["outcome"] != "ok":
            problems.append(_describe(event, job["cell_timeout"], timeout))
    if outcome.get("lock_failed"):
        problems.append("The grader could not disable the forbidden functions around a "
                        "cell of yours (was the library changed in the notebook?); no "
                        "exercise can be graded.")
    records = outcome["log"]
    checks_ran = [r for r in records if r.get("kind") == "check"]
    ours = [r for r in records if r.get("token") == token]
    integrity = next((r for r in ours if r.get("kind") == "integrity"), None)
    graded = {r.get("exercise"): r for r in ours if r.get("kind") == "grade"}
    if integrity and integrity.get("problem"):
        problems.append(f"{str(integrity['problem']).capitalize()}; no exercise can be graded.")
    trouble = {}                       # exercise -> the first cell of it that did not finish
    for event in events:
        if event.get("exercise") and event["outcome"] != "ok":
            trouble.setdefault(event["exercise"], event)
    for ex in reference.auto:
        mine = [r for r in checks_ran
                if r.get("exercise") == ex.label or r.get("name") in ex.names]
        g = graded.get(ex.label)
        bad = trouble.get(ex.label)
        if ex.label in tampered:
            results[ex.label] = f"its check cell was {tampered[ex.label]}"
        elif integrity is None or g is None:
            results[ex.label] = "not graded: the notebook did not run to the end"
        elif integrity.get("problem") or outcome.get("lock_failed"):
            results[ex.label] = "not graded: the answer checks were replaced"
        elif g.get("unsolved") and bad is not None:
            results[ex.label] = (f"raised {bad.get('ename')} in {_where(bad)}"
                                 if bad["outcome"] == "error" else
                                 f"{_where(bad)} was stopped at the time limit")
        elif g.get("unsolved"):
            results[ex.label] = ("not answered (the answer is still `...`)" if g.get("found")
                                 else f"not answered (no variable `{ex.answer}`)")
        elif not g.get("visible", [False])[0]:
            results[ex.label] = f"not yet right: {g['visible'][1]}"
        elif not mine:
            results[ex.label] = ("its answer check never ran" + (
                f" ({_where(bad)} raised {bad.get('ename')})" if bad and
                bad["outcome"] == "error" else ""))
        elif not all(r.get("passed") for r in mine):
            results[ex.label] = "its answer check did not pass when the notebook ran"
        elif not all(h[1] for h in g.get("hidden", [])):
            failed = [h for h in g["hidden"] if not h[1]]
            results[ex.label] = ("right on the visible case, not on a hidden case: "
                                 + "; ".join(f"{h[0]} ({h[2]})" for h in failed))
        else:
            points[ex.label] = ex.points
            n_hidden = len(g.get("hidden", []))
            results[ex.label] = "correct" + (f", and on {n_hidden} hidden case"
                                             f"{'s' if n_hidden > 1 else ''}"
                                             if n_hidden else "")
    status = _status(events, outcome, integrity, graded, tampered, reference, info)
    if outcome.get("lock_failed") and status in ("errors", "did not finish"):
        status = "checks replaced"
    if status in _LIMIT_TEXT:
        problems.append(_LIMIT_TEXT[status].format(limits=limits, timeout=timeout) +
                        " The points earned before it are kept.")
    return done(status)


_LIMIT_TEXT = {
    "memory limit": "The notebook reached the grader's memory limit ({limits.memory_mb} MB "
                    "per process, counted as address space with "
                    f"{_sandbox.ADDRESS_SLACK_MB} MB more for what libraries reserve; "
                    "{limits.memory_mb} MB + {limits.disk_mb} MB in all where "
                    "the grader can cap the total).",
    "process limit": "The notebook reached the grader's limit of {limits.processes} "
                     "processes and threads.",
    "disk limit": "The notebook filled its scratch folder (the grader's disk limit, "
                  "{limits.disk_mb} MB).",
    "time limit": "The notebook reached a time limit of the grader.",
}


def _status(events, outcome, integrity, graded, tampered, reference, info) -> str:
    errors = [e for e in events if e["outcome"] == "error"]
    if outcome.get("oom_kills"):
        return "memory limit"
    for name, test in _LIMIT_ERRORS:
        if any(test(e) for e in errors):
            return name
    exits = [e.get("exit") for e in events if e["outcome"] == "kernel died"]
    if any(code in (-signal.SIGXCPU, 128 + signal.SIGXCPU) for code in exits):
        return "time limit"
    if any(e["outcome"] in ("cell timeout", "deadline") for e in events):
        return "time limit"
    if any(e["outcome"] == "kernel died" for e in events):
        return "kernel died"
    if integrity is None:
        return "did not finish"
    if integrity.get("problem"):
        return "checks replaced"
    if tampered:
        return "check cells changed"
    if info.get("flag"):
        return "key flagged"
    if errors:
        return "errors"
    if reference.auto and all(graded.get(ex.label, {}).get("unsolved")
                              for ex in reference.auto) and not info.get("written"):
        return "blank"
    return "ok"


# ----------------------------------------------------------------- a class


def _check_out(out: Path) -> Path:
    """Refuse an output folder that cannot be one, before any notebook runs."""
    out = Path(out)
    for parent in [out, *out.parents]:
        if parent.exists() and not parent.is_dir():
            raise ValueError(f"out: {parent} is a file, not a folder; give --out a folder "
                             "(it is created when missing)")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".nntheory-write-test-{secrets.token_hex(4)}"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise ValueError(f"out: cannot write into {out} ({exc.strerror})") from None
    return out


def write_results(reference: Reference, graded: list[tuple[str, str, dict]],
                  out: str | os.PathLike, **kwargs) -> Path:
    """Store the results under ``out`` and write the reports (see
    :func:`nntheory.teaching.report.write`); return ``grades.csv``."""
    from . import report
    return report.write(reference, graded, Path(out), **kwargs)


def grade(chapter: str | os.PathLike, submissions: str | os.PathLike | None,
          out: str | os.PathLike = "grades", *, jobs: int = 1, timeout: float = 300,
          cell_timeout: float = CELL_TIMEOUT_S, progress: bool = True, sandbox: bool = True,
          limits: _sandbox.Limits = _sandbox.DEFAULT_LIMITS, students: list[str] | None = None,
          keys: str | os.PathLike | None = None, marks: str | os.PathLike | None = None,
          roster: str | os.PathLike | None = None) -> list[tuple[str, str, dict]]:
    """Grade every submission of ``chapter`` in ``submissions`` (only ``students``
    when given) and write the results under ``out``, merged with the students graded
    there before (see the module docstring). ``jobs`` notebooks at a time, each in its
    own sandbox unless ``sandbox=False``. ``submissions=None`` grades nothing and only
    merges ``marks`` and rewrites the reports."""
    from .. import validation
    from . import report
    jobs = validation.check_int(jobs, "jobs", minimum=1)
    timeout = validation.check_real(timeout, "timeout", low=1.0)
    cell_timeout = validation.check_real(cell_timeout, "cell_timeout", low=1.0)
    if not isinstance(limits, _sandbox.Limits):
        raise TypeError(f"limits must be a sandbox.Limits; got {type(limits).__name__}")
    limits = _sandbox.Limits(
        memory_mb=validation.check_int(limits.memory_mb, "memory_mb", minimum=256),
        processes=validation.check_int(limits.processes, "processes", minimum=16),
        disk_mb=validation.check_int(limits.disk_mb, "disk_mb", minimum=16),
        cpu_s=None if limits.cpu_s is None else
        validation.check_real(limits.cpu_s, "cpu_seconds", low=5.0))
    out = _check_out(out)
    reference = load_reference(chapter)
    report.check_compatible(reference, out)
    key_table = read_keys(keys) if keys is not None else None
    mark_rows = report.read_marks(marks, reference) if marks is not None else None
    roster_rows = report.read_roster(roster) if roster is not None else None
    if sandbox:
        try:
            _sandbox.require_bwrap()
        except _sandbox.SandboxUnavailable as exc:
            raise ValueError(str(exc)) from None
    subs: list[tuple[str, Path]] = []
    if submissions is not None:
        subs = find_submissions(submissions)
        if students:
            unknown = sorted(set(students) - {s for s, _ in subs})
            if unknown:
                raise ValueError(f"student: no submission of {', '.join(unknown)} in "
                                 f"{submissions}")
            subs = [(s, p) for s, p in subs if s in set(students)]
        if not subs:
            raise ValueError(f"submissions: no .ipynb in {submissions}")
    elif marks is None:
        raise ValueError("submissions: give a folder of submissions (or --marks only)")
    graded: list[tuple[str, str, dict]] = []
    begin = time.monotonic()
    if subs:
        graded = _run_class(reference, subs, jobs=jobs, timeout=timeout,
                            cell_timeout=cell_timeout, progress=progress, sandbox=sandbox,
                            limits=limits, keys=key_table)
    csv_path = write_results(reference, graded, out, marks=mark_rows, roster=roster_rows)
    if progress:
        print(f"graded {len(subs)} notebook(s) of {reference.chapter} in "
              f"{time.monotonic() - begin:.0f} s with {jobs} job(s)"
              f"{'' if sandbox else ' WITHOUT a sandbox'}: {csv_path}, "
              f"{out / 'feedback'}/, {out / 'summary.md'}", file=sys.stderr, flush=True)
    return graded


def _run_class(reference, subs, *, jobs, timeout, cell_timeout, progress, sandbox, limits,
               keys) -> list[tuple[str, str, dict]]:
    import queue
    slots: queue.Queue[int] = queue.Queue()
    for k in range(jobs):
        slots.put(k)

    def one(student: str, path: Path) -> dict:
        slot = slots.get()
        try:
            return grade_one(reference, path, timeout, cell_timeout=cell_timeout,
                             sandbox=sandbox, limits=limits, slot=slot, student=student,
                             keys=keys)
        finally:
            slots.put(slot)

    graded = []
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=len(subs), desc=f"grading {reference.chapter}", unit="notebook",
                   file=sys.stderr)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(one, student, path): (student, path) for student, path in subs}
        for future in as_completed(futures):
            student, path = futures[future]
            result = future.result()
            graded.append((student, path.name, result))
            if bar is not None:
                bar.set_postfix_str(f"{student}: {sum(result['points'].values())}"
                                    f"/{result['max']} ({result['status']})")
                bar.update()
    if bar is not None:
        bar.close()
    return graded
