"""What the grader writes: results, grades, feedback, the class summary, gradebook exports.

Everything under the output folder ``OUT`` is rebuilt from ``OUT/results/STUDENT.json``
(one per student ever graded there) and ``OUT/marks.json`` (the hand marks merged so
far), so grading one student again, or merging marks, keeps every other student:

* ``grades.csv``: one row per student: ``student``, ``file``, one column of points per
  exercise graded automatically, one column ``LABEL (written)`` per written exercise
  (the teacher's mark, empty until ``--marks`` gives one), ``total`` (points and
  marks), ``max``, ``status``, ``flag`` (a key that is not the student's own),
  ``sandboxed``, ``seconds``. Written atomically (a temporary file renamed over it);
  the previous file is kept as ``grades.csv.bak``.
* ``feedback/STUDENT.md`` and ``feedback/STUDENT.html`` (the same page; students open
  the HTML in a browser): the score, one line per exercise, the problems found (cells
  named as Jupyter shows them), written answers as the student wrote them.
* ``summary.md`` and ``histogram.png``: pass rate per exercise (students with full
  points), the distribution of totals, statuses, flagged submissions.
* ``export/canvas.csv``: a Canvas gradebook import: columns ``Student``, ``ID``,
  ``SIS User ID``, ``SIS Login ID``, ``Section`` and one assignment column
  ``CHAPTER (nntheory)`` (a new column creates an assignment), with a ``Points
  Possible`` row; the student id goes into ``SIS User ID``, and a roster's ``name``,
  ``canvas_id``, ``login`` and ``section`` columns fill the others.
* ``export/moodle.csv``: a Moodle "Import grades from CSV file": ``ID number``,
  ``Email address``, one grade column ``CHAPTER`` and ``Feedback``; at import, map
  "ID number" (or the email) to the user field and the grade column to the grade item.
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
import os
import re
from pathlib import Path

__all__ = ["write", "read_marks", "read_roster", "check_compatible", "load_results"]


def _safe(student: str) -> str:
    return re.sub(r"[^\w.@-]+", "_", student) or "student"


def _atomic_write(path: Path, text: str, keep: bool = False) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8", newline="")
    if keep and path.exists():
        backup = path.with_name(path.name + ".bak")
        os.replace(path, backup)
    os.replace(tmp, path)


def check_compatible(reference, out: Path) -> None:
    """Refuse an output folder that holds the results of another chapter."""
    for item in sorted((out / "results").glob("*.json"))[:1]:
        try:
            chapter = json.loads(item.read_text(encoding="utf-8"))["result"]["chapter"]
        except (ValueError, KeyError, TypeError):
            continue
        if chapter != reference.chapter:
            raise ValueError(f"out: {out} holds the grades of chapter {chapter}; give each "
                             f"chapter its own --out folder (grading {reference.chapter})")


def read_marks(path, reference) -> dict[str, dict[str, list]]:
    """``student -> {label: [mark, comment]}`` from a CSV with the columns
    ``student_id,exercise,mark[,comment]``; each mark between 0 and the exercise's
    points, each exercise one of the chapter's written exercises."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise ValueError(f"marks: cannot read {path} ({exc.strerror})") from None
    if rows and not {"student_id", "exercise", "mark"} <= set(rows[0]):
        raise ValueError(f"marks: {path} needs the columns student_id,exercise,mark[,comment]")
    written = {ex.label: ex for ex in reference.written}
    auto = {ex.label for ex in reference.auto}
    out: dict[str, dict[str, list]] = {}
    for number, row in enumerate(rows, start=2):
        label = (row.get("exercise") or "").strip()
        where = f"marks: {path} line {number}"
        if label in auto:
            raise ValueError(f"{where}: {label} is graded automatically; marks are for the "
                             "written exercises")
        if label not in written:
            raise ValueError(f"{where}: {label!r} is not a written exercise of "
                             f"{reference.chapter} (written: "
                             f"{', '.join(written) or 'none'})")
        try:
            mark = float(row.get("mark", ""))
        except ValueError:
            raise ValueError(f"{where}: mark {row.get('mark')!r} is not a number") from None
        if not (math.isfinite(mark) and 0 <= mark <= written[label].points):
            raise ValueError(f"{where}: mark {mark:g} is outside 0..{written[label].points}")
        student = (row.get("student_id") or "").strip()
        if not student:
            raise ValueError(f"{where}: no student_id")
        out.setdefault(student, {})[label] = [mark, (row.get("comment") or "").strip()]
    return out


def read_roster(path) -> dict[str, dict[str, str]]:
    """``student_id -> row`` of a roster CSV (a ``student_id`` column; others kept)."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise ValueError(f"roster: cannot read {path} ({exc.strerror})") from None
    if not rows or "student_id" not in rows[0]:
        raise ValueError(f"roster: {path} needs a student_id column")
    return {row["student_id"].strip(): row for row in rows}


def load_results(out: Path) -> dict[str, tuple[str, dict]]:
    """``student -> (file, result)`` of every student graded under ``out``."""
    found = {}
    for item in sorted((out / "results").glob("*.json")):
        try:
            data = json.loads(item.read_text(encoding="utf-8"))
            found[data["student"]] = (data["file"], data["result"])
        except (ValueError, KeyError, TypeError):
            continue
    return found


def _number(x: float) -> str:
    return f"{x:g}"


def _total(result: dict, marks: dict[str, list]) -> float:
    return sum(result["points"].values()) + sum(m[0] for m in marks.values())


def write(reference, graded, out: Path, *, marks=None, roster=None) -> Path:
    """Store ``graded`` (``(student, file, result)``) and the new ``marks`` under
    ``out`` and rewrite every report from all the results there."""
    (out / "results").mkdir(parents=True, exist_ok=True)
    for student, file, result in graded:
        _atomic_write(out / "results" / f"{_safe(student)}.json",
                      json.dumps({"student": student, "file": file, "result": result},
                                 ensure_ascii=False, indent=1))
    stored = out / "marks.json"
    all_marks: dict[str, dict[str, list]] = {}
    if stored.exists():
        try:
            all_marks = json.loads(stored.read_text(encoding="utf-8"))
        except ValueError:
            all_marks = {}
    for student, theirs in (marks or {}).items():
        all_marks.setdefault(student, {}).update(theirs)
    if marks:
        _atomic_write(stored, json.dumps(all_marks, ensure_ascii=False, indent=1), keep=True)
    roster_file = out / "roster.json"
    if roster:
        _atomic_write(roster_file, json.dumps(roster, ensure_ascii=False, indent=1))
    elif roster_file.exists():
        roster = json.loads(roster_file.read_text(encoding="utf-8"))
    results = load_results(out)
    unknown = sorted(set(all_marks) - set(results))
    if marks and unknown:
        raise ValueError(f"marks: no graded submission of {', '.join(unknown)} in {out}")
    csv_path = out / "grades.csv"
    _atomic_write(csv_path, _grades_csv(reference, results, all_marks), keep=True)
    (out / "feedback").mkdir(exist_ok=True)
    for student, (_file, result) in results.items():
        mine = all_marks.get(student, {})
        _atomic_write(out / "feedback" / f"{_safe(student)}.md",
                      _feedback_md(student, reference, result, mine))
        _atomic_write(out / "feedback" / f"{_safe(student)}.html",
                      _feedback_html(student, reference, result, mine))
    _summary(reference, results, all_marks, out)
    (out / "export").mkdir(exist_ok=True)
    _atomic_write(out / "export" / "canvas.csv",
                  _canvas(reference, results, all_marks, roster or {}))
    _atomic_write(out / "export" / "moodle.csv",
                  _moodle(reference, results, all_marks, roster or {}))
    return csv_path


def _grades_csv(reference, results, all_marks) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    auto = [ex.label for ex in reference.auto]
    written = [ex.label for ex in reference.written]
    writer.writerow(["student", "file", *auto, *(f"{lab} (written)" for lab in written),
                     "total", "max", "status", "flag", "sandboxed", "seconds"])
    for student in sorted(results):
        file, result = results[student]
        mine = all_marks.get(student, {})
        writer.writerow([student, file, *(result["points"].get(lab, 0) for lab in auto),
                         *(_number(mine[lab][0]) if lab in mine else "" for lab in written),
                         _number(_total(result, mine)), result["max"], result["status"],
                         result.get("flag", ""), "yes" if result.get("sandboxed") else "NO",
                         result.get("seconds", "")])
    return buf.getvalue()


_UNSANDBOXED = ("Graded WITHOUT a sandbox (--no-sandbox): the notebook ran with the "
                "teacher's own permissions.")


def _rows(reference, result: dict, mine: dict) -> list[tuple[str, str, str, str]]:
    rows = []
    for ex in reference.exercises:
        if getattr(ex, "kind", "") == "written":
            got = mine.get(ex.label)
            score = f"{_number(got[0])} / {ex.points}" if got else f"– / {ex.points}"
            text = ("marked by your teacher" + (f": {got[1]}" if got and got[1] else "")
                    if got else "a written answer: your teacher marks it"
                    if result.get("written", {}).get(ex.label) else "no answer written")
            mark = "📝"
        else:
            pts = result["points"].get(ex.label, 0)
            score, mark = f"{pts} / {ex.points}", "✅" if pts == ex.points else "❌"
            text = result["results"].get(ex.label, "")
        rows.append((f"{ex.label}: {ex.title}", ex.difficulty, score, f"{mark} {text}"))
    return rows


def _feedback_md(student, reference, result, mine) -> str:
    lines = [f"# Feedback for {student}: chapter {reference.chapter}", ""]
    if not result.get("sandboxed", True):
        lines += [f"> **{_UNSANDBOXED}**", ""]
    lines += [f"**Score: {_number(_total(result, mine))} / {result['max']}** "
              f"({result['status']})", "",
              "| Exercise | Difficulty | Points | Result |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in
              ((x.replace("|", "\\|") for x in row) for row in _rows(reference, result, mine))]
    if result["problems"]:
        lines += ["", "## Problems found in the notebook", ""]
        lines += [f"* {p}" for p in result["problems"]]
    written = result.get("written", {})
    if reference.written:
        lines += ["", "## Written answers", ""]
        for ex in reference.written:
            lines += [f"### {ex.label}: {ex.title}", ""]
            text = written.get(ex.label)
            lines += [("\n".join(f"> {line}" for line in text.splitlines()) if text
                       else "*(not answered: no answer cell, or it still holds the prompt)*"), ""]
    human = [ex for ex in reference.auto if getattr(ex, "needs_human", "")]
    if human:
        lines += ["", "## Read by your teacher", ""]
        lines += [f"* {ex.label}: {ex.needs_human}" for ex in human]
    lines += ["", "A wrong answer is told what is wrong, never the expected value: fix it in "
              "your notebook, run the check cell again, and resubmit if your course allows.",
              "Cells are named as Jupyter shows them: counted from the top of the notebook "
              "(Markdown cells included), with the In [n] number they get when the notebook "
              "runs from the top (Restart & Run All).", ""]
    return "\n".join(lines)


def _feedback_html(student, reference, result, mine) -> str:
    e = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>Feedback for {e(student)}: {e(reference.chapter)}</title>",
             "<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto;"
             "padding:0 1rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
             "padding:.3rem .6rem;text-align:left;vertical-align:top}"
             "blockquote{border-left:4px solid #ccc;margin:0;padding-left:1rem;"
             "white-space:pre-wrap}.warn{background:#fee;padding:.5rem}</style>",
             "</head><body>", f"<h1>Feedback for {e(student)}: chapter "
             f"{e(reference.chapter)}</h1>"]
    if not result.get("sandboxed", True):
        parts.append(f'<p class="warn"><strong>{e(_UNSANDBOXED)}</strong></p>')
    parts.append(f"<p><strong>Score: {e(_number(_total(result, mine)))} / {result['max']}"
                 f"</strong> ({e(result['status'])})</p>")
    parts.append("<table><tr><th>Exercise</th><th>Difficulty</th><th>Points</th>"
                 "<th>Result</th></tr>")
    for row in _rows(reference, result, mine):
        parts.append("<tr>" + "".join(f"<td>{e(x)}</td>" for x in row) + "</tr>")
    parts.append("</table>")
    if result["problems"]:
        parts.append("<h2>Problems found in the notebook</h2><ul>")
        parts += [f"<li>{e(p)}</li>" for p in result["problems"]]
        parts.append("</ul>")
    if reference.written:
        parts.append("<h2>Written answers</h2>")
        for ex in reference.written:
            text = result.get("written", {}).get(ex.label)
            parts.append(f"<h3>{e(ex.label)}: {e(ex.title)}</h3>")
            parts.append(f"<blockquote>{e(text)}</blockquote>" if text
                         else "<p><em>(not answered: no answer cell, or it still holds "
                              "the prompt)</em></p>")
    parts.append("<p>A wrong answer is told what is wrong, never the expected value. Cells "
                 "are named as Jupyter shows them: counted from the top (Markdown cells "
                 "included), with the In [n] number they get when the notebook runs from "
                 "the top.</p></body></html>")
    return "\n".join(parts) + "\n"


def _summary(reference, results, all_marks, out: Path) -> None:
    import matplotlib
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    import numpy as np

    n = len(results)
    totals = [_total(r, all_marks.get(s, {})) for s, (_f, r) in sorted(results.items())]
    top = reference.max_points
    statuses: dict[str, int] = {}
    for _f, r in results.values():
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    lines = [f"# Class summary: chapter {reference.chapter}", "",
             f"{n} submission(s); total out of {top}: mean {np.mean(totals):.2f}, median "
             f"{np.median(totals):g}, min {min(totals):g}, max {max(totals):g}." if n else
             "No submission graded.", ""]
    unsandboxed = sorted(s for s, (_f, r) in results.items() if not r.get("sandboxed", True))
    if unsandboxed:
        lines += [f"> **Warning: {len(unsandboxed)} submission(s) were graded WITHOUT a "
                  f"sandbox (--no-sandbox)**: {', '.join(unsandboxed)}.", ""]
    lines += ["## Pass rate per exercise", "",
              "| Exercise | Points | Full points | Pass rate |", "|---|---|---|---|"]
    for ex in reference.exercises:
        if getattr(ex, "kind", "") == "written":
            marked = [all_marks[s][ex.label][0] for s in results
                      if ex.label in all_marks.get(s, {})]
            full = sum(1 for m in marked if m == ex.points)
            lines.append(f"| {ex.label} (written) | {ex.points} | {full} of {len(marked)} "
                         f"marked | {full / len(marked):.0%} |" if marked else
                         f"| {ex.label} (written) | {ex.points} | not marked yet | – |")
        else:
            full = sum(1 for _f, r in results.values()
                       if r["points"].get(ex.label, 0) == ex.points)
            lines.append(f"| {ex.label} | {ex.points} | {full} of {n} | "
                         f"{full / n if n else 0:.0%} |")
    lines += ["", "## Statuses", "", "| Status | Submissions |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in sorted(statuses.items())]
    flagged = sorted((s, r.get("flag")) for s, (_f, r) in results.items() if r.get("flag"))
    if flagged:
        lines += ["", "## Flagged (read these)", ""]
        lines += [f"* {s}: {f}" for s, f in flagged]
    lines += ["", "![Distribution of totals](histogram.png)", ""]
    _atomic_write(out / "summary.md", "\n".join(lines))
    fig, ax = plt.subplots(figsize=(6, 3.5))
    edges = np.arange(-0.5, top + 1.0, 1.0)
    ax.hist(totals, bins=edges, color="#4c72b0", edgecolor="white")
    ax.set_xlabel(f"total (out of {top})")
    ax.set_ylabel("students")
    ax.set_title(f"{reference.chapter}: {n} submission(s)")
    ax.yaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    tmp = out / ".histogram.tmp.png"
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    os.replace(tmp, out / "histogram.png")


def _canvas(reference, results, all_marks, roster) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    column = f"{reference.chapter} (nntheory)"
    writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column])
    writer.writerow(["Points Possible", "", "", "", "", reference.max_points])
    for student in sorted(results):
        row = roster.get(student, {})
        writer.writerow([row.get("name") or student, row.get("canvas_id", ""), student,
                         row.get("login", ""), row.get("section", ""),
                         _number(_total(results[student][1], all_marks.get(student, {})))])
    return buf.getvalue()


def _moodle(reference, results, all_marks, roster) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["ID number", "Email address", reference.chapter, "Feedback"])
    for student in sorted(results):
        result = results[student][1]
        row = roster.get(student, {})
        total = _total(result, all_marks.get(student, {}))
        writer.writerow([student, row.get("email", ""), _number(total),
                         f"{_number(total)} / {result['max']} ({result['status']}); details "
                         "in your feedback page"])
    return buf.getvalue()
