"""The grader: run every submitted notebook of one chapter, grade it, write feedback.

``nntheory grade CHAPTER SUBMISSIONS/ --out grades/`` (see :func:`grade`):

1. Each submission is read (a corrupt file scores 0, with a line saying so) and
   identified: its ``{exercise}`` labels must be the chapter's (a notebook of
   another chapter scores 0). Every *check cell* of the chapter (a code cell
   that calls ``checks.`` outside the solution blocks) must be there unchanged,
   found by its cell id or its source; an edited or deleted check cell scores 0
   for its exercise.
2. The notebook runs in a fresh kernel (nbclient), in a temporary directory,
   one cell after another with a time limit for the whole notebook; a cell that
   raises is reported and the next cells still run; a cell that runs past the
   limit is interrupted and the rest of the notebook is skipped. Every answer
   check appends its result to a log file named by ``NNTHEORY_GRADE_LOG`` (the
   structured channel of :mod:`nntheory.teaching.checks`).
3. One more cell, the grader's, then runs in the same kernel
   (:func:`in_kernel`): it verifies that ``checks`` is still the library's
   module with its functions unchanged, takes each registered exercise's
   answer from the student's namespace and checks it against the registry
   (:mod:`nntheory.teaching.exercises`): the visible case and, when that
   passes, the **hidden cases**, each with its own time limit.
4. An exercise earns its points when its check cell is intact, its check ran
   and passed, and the grader's visible and hidden cases pass.

The submissions run in parallel (``jobs``), each in its own process, which is
killed if it outlives its limit, so no submission can stop the others. Results:
``grades.csv`` (one row per student, one column of points per exercise, the
total) and ``feedback/STUDENT.md``. A feedback line never contains an expected
value. These defences stop accidents and casual tampering; code run in the
same kernel as the grader can, with effort, defeat any in-kernel check, so a
high-stakes course should also read the notebooks it grades.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from . import exercises as _exercises

__all__ = ["Reference", "load_reference", "resolve_chapter", "find_submissions",
           "grade_one", "grade", "in_kernel", "write_results", "BOOK_CHAPTERS"]

#: The chapters of the book this package was installed from (an editable install).
BOOK_CHAPTERS = Path(__file__).resolve().parents[3] / "book" / "chapters"
_LABEL = re.compile(r"^:label:\s*(ex-[\w-]+)\s*$", re.MULTILINE)
_CHECKED_FUNCTIONS = ("answer_check", "check_number", "check_array", "check_true",
                      "check_exercise", "number_verdict", "array_verdict", "_record",
                      "_report", "_as_float", "_as_array")
#: Seconds the grader's own cell may take, and each hidden case within it.
GRADING_CELL_S = 120
HIDDEN_CASE_S = 20


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


@dataclass
class Reference:
    """What a chapter's submissions are graded against."""
    chapter: str                     # the notebook's stem, e.g. "03_backprop"
    path: Path
    labels: list[str]                # every exercise label of the chapter
    exercises: list                  # the registered ones (Exercise objects)
    check_cells: dict[str, tuple[str, str | None]]   # cell id -> (source, exercise)


def resolve_chapter(chapter: str | os.PathLike) -> Path:
    """The solution notebook of ``chapter``: a path to an ``.ipynb``, or a chapter's
    stem or number (``03_backprop``, ``03``, ``3``) in the book's ``chapters`` folder."""
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
    nb = json.loads(path.read_text(encoding="utf-8"))
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
    return Reference(stem, path, _labels(nb), registered, check_cells)


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


def in_kernel(namespace: dict, chapter: str, token: str, fingerprints: dict[str, str]) -> None:
    """The grader's cell: verify ``checks``, grade each registered exercise of
    ``chapter`` on the student's ``namespace``, append the results (marked with
    ``token``) to the grading log."""
    from . import checks
    log = os.environ.get(checks.LOG_ENV)
    lines = []
    seen = namespace.get("checks", None)
    problem = ""
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
    lines.append({"kind": "integrity", "token": token, "problem": problem})
    missing = object()
    for ex in _exercises.for_chapter(chapter):
        answer = namespace.get(ex.answer, missing)
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


def _read_log(path: Path) -> list[dict]:
    out = []
    if path.exists():
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                item = json.loads(line)
            except ValueError:
                continue
            if isinstance(item, dict):
                out.append(item)
    return out


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


def _execute(nb, chapter: str, timeout: float, workdir: Path, log: Path,
             problems: list[str], regions: list[str | None]) -> str:
    """Run ``nb`` cell by cell within ``timeout`` seconds, then the grader's cell."""
    import nbclient
    import nbformat
    from nbclient.exceptions import DeadKernelError

    env = dict(os.environ)
    env.pop("NNTHEORY_SCALE", None)
    env.update({"NNTHEORY_GRADE_LOG": str(log), "NNTHEORY_QUIET": "1", "MPLBACKEND": "Agg"})
    client = nbclient.NotebookClient(
        nb, kernel_name="python3", timeout=int(timeout), allow_errors=True,
        interrupt_on_timeout=True, record_timing=False,
        error_on_timeout={"ename": "TimeoutError", "evalue": "the time limit was reached",
                          "traceback": []},
        resources={"metadata": {"path": str(workdir)}})
    token = secrets.token_hex(16)
    grader = nbformat.v4.new_code_cell(
        "from nntheory.teaching import grade as _nntheory_grader\n"
        f"_nntheory_grader.in_kernel(globals(), {chapter!r}, {token!r}, "
        f"{check_fingerprints()!r})")
    deadline = time.monotonic() + timeout
    try:
        with client.setup_kernel(env=env, cwd=str(workdir)):
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                left = deadline - time.monotonic()
                where = f"cell {index}" + (f" (exercise {regions[index]})"
                                           if regions[index] else "")
                if left <= 0:
                    problems.append(f"The notebook ran past the time limit ({timeout:g} s); "
                                    f"the cells from {where} on did not run.")
                    break
                client.timeout = max(1, int(left + 0.999))
                client.execute_cell(cell, index)
                stopped = False
                for out in cell.get("outputs", []):
                    if out.get("output_type") != "error":
                        continue
                    if out.get("ename") in ("TimeoutError", "KeyboardInterrupt") and \
                            deadline <= time.monotonic():
                        problems.append(f"{where} was still running at the time limit "
                                        f"({timeout:g} s): an infinite loop? It was "
                                        "stopped, and the cells after it did not run.")
                        stopped = True
                    else:
                        problems.append(f"{where} raised {out.get('ename')}: "
                                        f"{str(out.get('evalue', ''))[:200]}")
                if stopped:
                    break
            client.timeout = GRADING_CELL_S
            nb.cells.append(grader)
            client.execute_cell(grader, len(nb.cells) - 1)
            for out in grader.get("outputs", []):
                if out.get("output_type") == "error":
                    problems.append("The grader's own cell could not finish "
                                    f"({out.get('ename')}); answers were not graded.")
    except DeadKernelError:
        problems.append("The Python kernel died while the notebook ran (a call to exit()? "
                        "too much memory?); the answers could not be graded.")
    return token


def grade_one(reference: Reference, path: str | os.PathLike, timeout: float = 300) -> dict:
    """Grade one submitted notebook; never raises for a bad submission. Returns a dict:
    ``status``, ``points`` (label -> points), ``results`` (label -> message),
    ``problems`` (lines for the feedback), ``seconds``."""
    import nbformat

    start = time.monotonic()
    path = Path(path)
    labels = [ex.label for ex in reference.exercises]
    points = dict.fromkeys(labels, 0)
    results = dict.fromkeys(labels, "not graded")
    problems: list[str] = []

    def done(status: str) -> dict:
        return {"status": status, "points": points, "results": results,
                "problems": problems, "seconds": round(time.monotonic() - start, 2),
                "max": sum(ex.points for ex in reference.exercises)}

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
    regions = _regions(nb)
    with tempfile.TemporaryDirectory(prefix="nntheory-grade-") as tmp:
        workdir = Path(tmp) / "work"
        workdir.mkdir()
        log = Path(tmp) / "checks.jsonl"
        token = _execute(nb, reference.chapter, timeout, workdir, log, problems, regions)
        records = _read_log(log)
    checks_ran = [r for r in records if r.get("kind") == "check"]
    ours = [r for r in records if r.get("token") == token and token]
    integrity = next((r for r in ours if r.get("kind") == "integrity"), None)
    graded = {r.get("exercise"): r for r in ours if r.get("kind") == "grade"}
    if integrity and integrity.get("problem"):
        problems.append(f"{integrity['problem'].capitalize()}; no exercise can be graded.")
    for ex in reference.exercises:
        mine = [r for r in checks_ran
                if r.get("exercise") == ex.label or r.get("name") in ex.names]
        g = graded.get(ex.label)
        if ex.label in tampered:
            results[ex.label] = f"its check cell was {tampered[ex.label]}"
        elif integrity is None or g is None:
            results[ex.label] = "not graded: the notebook did not run to the end"
        elif integrity.get("problem"):
            results[ex.label] = "not graded: the answer checks were replaced"
        elif g.get("unsolved"):
            results[ex.label] = ("not answered (the answer is still `...`)" if g.get("found")
                                 else f"not answered (no variable `{ex.answer}`)")
        elif not mine:
            results[ex.label] = "its answer check never ran"
        elif not g["visible"][0]:
            results[ex.label] = f"not yet right: {g['visible'][1]}"
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
    status = "ok"
    if integrity is None:
        status = "did not finish"
    elif integrity.get("problem"):
        status = "checks replaced"
    elif tampered:
        status = "check cells changed"
    elif any("time limit" in p for p in problems):
        status = "timeout"
    elif problems:
        status = "errors"
    return done(status)


# ----------------------------------------------------------------- a class


def _grade_in_subprocess(chapter_path: Path, student: str, path: Path, timeout: float,
                         scratch: Path) -> dict:
    out = scratch / f"{len(os.listdir(scratch))}-{secrets.token_hex(4)}.json"
    cmd = [sys.executable, "-m", "nntheory.teaching", "_grade-one", str(chapter_path),
           str(path), "--timeout", str(timeout), "--result", str(out)]
    hard = timeout + GRADING_CELL_S + 60
    begin = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        _, err = proc.communicate(timeout=hard)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        err = b"killed"
    try:
        return json.loads(out.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        reference = load_reference(chapter_path)
        labels = [ex.label for ex in reference.exercises]
        reason = err.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        return {"status": "grader failed", "points": dict.fromkeys(labels, 0),
                "results": dict.fromkeys(labels, "not graded"),
                "problems": [f"The grader could not finish this notebook ({reason[0][:200]}); "
                             "ask your teacher to look at it."],
                "seconds": round(time.monotonic() - begin, 2),
                "max": sum(ex.points for ex in reference.exercises)}


def _feedback(student: str, reference: Reference, result: dict) -> str:
    lines = [f"# Feedback for {student}: chapter {reference.chapter}", "",
             f"**Score: {sum(result['points'].values())} / {result['max']}** "
             f"({result['status']})", "",
             "| Exercise | Difficulty | Points | Result |", "|---|---|---|---|"]
    for ex in reference.exercises:
        mark = "✅" if result["points"][ex.label] == ex.points else "❌"
        lines.append(f"| {ex.label}: {ex.title} | {ex.difficulty} | "
                     f"{result['points'][ex.label]} / {ex.points} | {mark} "
                     f"{result['results'][ex.label]} |")
    human = [ex for ex in reference.exercises if ex.needs_human]
    unregistered = [lab for lab in reference.labels
                    if lab not in {ex.label for ex in reference.exercises}]
    if result["problems"]:
        lines += ["", "## Problems found in the notebook", ""]
        lines += [f"* {p}" for p in result["problems"]]
    if human or unregistered:
        lines += ["", "## Read by your teacher", ""]
        lines += [f"* {ex.label}: {ex.needs_human}" for ex in human]
        lines += [f"* {lab}: not graded automatically" for lab in unregistered]
    lines += ["", "A wrong answer is told what is wrong, never the expected value: fix it in "
              "your notebook, run the check cell again, and resubmit if your course allows.", ""]
    return "\n".join(lines)


def write_results(reference: Reference, graded: list[tuple[str, str, dict]],
                  out: str | os.PathLike) -> Path:
    """Write ``grades.csv`` and ``feedback/STUDENT.md`` under ``out``; return the csv."""
    out = Path(out)
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    labels = [ex.label for ex in reference.exercises]
    csv_path = out / "grades.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student", "file", *labels, "total", "max", "status", "seconds"])
        for student, file, result in sorted(graded):
            writer.writerow([student, file, *(result["points"][lab] for lab in labels),
                             sum(result["points"].values()), result["max"],
                             result["status"], result["seconds"]])
    for student, _file, result in graded:
        safe = re.sub(r"[^\w.-]+", "_", student) or "student"
        (out / "feedback" / f"{safe}.md").write_text(_feedback(student, reference, result),
                                                     encoding="utf-8")
    return csv_path


def grade(chapter: str | os.PathLike, submissions: str | os.PathLike,
          out: str | os.PathLike = "grades", *, jobs: int = 1, timeout: float = 300,
          progress: bool = True) -> list[tuple[str, str, dict]]:
    """Grade every submission of ``chapter`` in ``submissions`` (see the module
    docstring); ``jobs`` notebooks at a time; write the results under ``out``."""
    from .. import validation
    jobs = validation.check_int(jobs, "jobs", minimum=1)
    timeout = validation.check_real(timeout, "timeout", low=1.0)
    reference = load_reference(chapter)
    subs = find_submissions(submissions)
    if not subs:
        raise ValueError(f"submissions: no .ipynb in {submissions}")
    graded: list[tuple[str, str, dict]] = []
    begin = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="nntheory-results-") as scratch, \
            ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(_grade_in_subprocess, reference.path, student, path,
                               timeout, Path(scratch)): (student, path)
                   for student, path in subs}
        for k, future in enumerate(as_completed(futures), start=1):
            student, path = futures[future]
            result = future.result()
            graded.append((student, path.name, result))
            if progress:
                print(f"[{k}/{len(subs)}] {student}: {sum(result['points'].values())}"
                      f"/{result['max']} ({result['status']}, {result['seconds']:.0f} s)",
                      file=sys.stderr, flush=True)
    csv_path = write_results(reference, graded, out)
    if progress:
        print(f"graded {len(subs)} notebooks of {reference.chapter} in "
              f"{time.monotonic() - begin:.0f} s with {jobs} job(s): {csv_path}, "
              f"{Path(out) / 'feedback'}/", file=sys.stderr, flush=True)
    return graded
