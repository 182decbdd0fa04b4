"""The ``nntheory`` command (a console script; also ``python -m nntheory``).

::

    nntheory student book/chapters/03_backprop.ipynb --out student/   # copies to hand out
    nntheory grade 03 submissions/ --out grades/ --jobs 2 --timeout 120
    nntheory grade 03 submissions/ --out grades/ --student alice      # re-grade one student
    nntheory grade 03 --out grades/ --marks marks.csv                 # merge hand marks
    nntheory guide                      # the exercise tables of the teacher's guide
    nntheory student-book book --out _build_student/book   # a solution-free book
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main"]


def _grade(args) -> None:
    from . import grade, sandbox
    try:
        limits = sandbox.Limits(memory_mb=args.memory_mb, processes=args.processes,
                                disk_mb=args.disk_mb, cpu_s=args.cpu_seconds)
        if not args.sandbox:
            print("nntheory grade: WARNING: --no-sandbox: every notebook runs with your own "
                  "permissions (files, network); grade only notebooks you trust.",
                  file=sys.stderr)
        grade.grade(args.chapter, args.submissions, args.out, jobs=args.jobs,
                    timeout=args.timeout, cell_timeout=args.cell_timeout,
                    progress=not args.quiet, sandbox=args.sandbox, limits=limits,
                    students=args.student, keys=args.keys, marks=args.marks,
                    roster=args.roster)
    except (ValueError, TypeError) as exc:
        raise SystemExit(f"nntheory grade: {exc}") from None


def _student(args) -> None:
    from . import student
    student.main([*map(str, args.notebooks), "--out", str(args.out),
                  *(["--lang", args.lang] if args.lang else [])])


def _guide(args) -> None:
    from . import guide
    text = guide.tables(Path(args.chapters))
    if args.write:
        guide.write_into(Path(args.write), text)
        print(f"wrote the tables into {args.write}")
    else:
        print(text)


def _student_book(args) -> None:
    from . import student
    try:
        out = student.student_book(Path(args.book), Path(args.out))
    except ValueError as exc:
        raise SystemExit(f"nntheory student-book: {exc}") from None
    print(f"wrote a solution-free copy of {args.book} to {out}")


def _assign(args) -> None:
    from . import assign
    try:
        paths = assign.assign(args.chapter, args.roster, args.out)
    except (ValueError, TypeError) as exc:
        raise SystemExit(f"nntheory assign: {exc}") from None
    reference = assign.reference_path(args.out, paths[0].name)
    print(f"wrote {len(paths)} student copies, {Path(args.out) / 'keys.csv'} (keep it: the "
          f"grader takes it with --keys) and the chapter as assigned, {reference}.\n"
          f"Grade the returned copies with:\n  nntheory grade {reference} SUBMISSIONS "
          f"--keys {Path(args.out) / 'keys.csv'}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="nntheory", description="The teaching kit of Executable Neural Network Theory.")
    sub = parser.add_subparsers(dest="command", required=True)

    g = sub.add_parser("grade", help="grade a folder of submitted notebooks of one chapter")
    g.add_argument("chapter", help="the chapter: its number (3), stem (03_backprop) or the "
                                   "path to its solution notebook")
    g.add_argument("submissions", type=Path, nargs="?",
                   help="a folder of .ipynb files, or of one folder per student (leave out "
                        "with --marks to merge marks only)")
    g.add_argument("--out", type=Path, default=Path("grades"),
                   help="where grades.csv and feedback/ go (default: grades)")
    g.add_argument("--jobs", type=int, default=1, help="notebooks run at a time (default 1)")
    g.add_argument("--timeout", type=float, default=300,
                   help="seconds one notebook may run (default 300)")
    g.add_argument("--cell-timeout", type=float, default=60,
                   help="seconds one cell may run before it is interrupted; the next cells "
                        "still run (default 60)")
    g.add_argument("--student", action="append",
                   help="grade only this student (repeatable); the others' grades are kept")
    g.add_argument("--keys", type=Path,
                   help="keys.csv from `nntheory assign`: flag a key that is not the "
                        "student's own, and grade with the student's own key")
    g.add_argument("--marks", type=Path,
                   help="marks.csv (student_id,exercise,mark[,comment]) for written answers")
    g.add_argument("--roster", type=Path,
                   help="roster.csv (student_id, and name, email, canvas_id, login, section "
                        "where known) for the gradebook exports")
    g.add_argument("--no-sandbox", dest="sandbox", action="store_false",
                   help="run the notebooks WITHOUT the bubblewrap sandbox, with your own "
                        "permissions (only for notebooks you trust)")
    g.add_argument("--memory-mb", type=int, default=2048,
                   help="memory of each process in the sandbox (default 2048; counted as "
                        "address space, with 2048 MB more for what libraries reserve)")
    g.add_argument("--processes", type=int, default=64,
                   help="processes and threads in one sandbox (default 64)")
    g.add_argument("--disk-mb", type=int, default=256,
                   help="size of the sandbox's writable scratch folder (default 256)")
    g.add_argument("--cpu-seconds", type=float, default=None,
                   help="CPU seconds of each process (default: --timeout + 180)")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    g.set_defaults(run=_grade)

    s = sub.add_parser("student", help="write student copies (solutions blanked)")
    s.add_argument("notebooks", nargs="+", type=Path)
    s.add_argument("--out", type=Path, default=Path("student"))
    s.add_argument("--lang", default="", help="the prose in this language, from "
                   "book/locales/LANG (zh_CN); the code and checks stay the English copy's")
    s.set_defaults(run=_student)

    gd = sub.add_parser("guide", help="print the teacher's guide tables, from the book")
    gd.add_argument("--chapters", default="book/chapters")
    gd.add_argument("--write", help="write them between the markers of this page")
    gd.set_defaults(run=_guide)

    sb = sub.add_parser("student-book", help="copy the book with every solution removed")
    sb.add_argument("book", nargs="?", default="book")
    sb.add_argument("--out", default="_build_student/book")
    sb.set_defaults(run=_student_book)

    asg = sub.add_parser("assign", help="one keyed student copy per student (variants)")
    asg.add_argument("chapter", help="the chapter: number, stem or solution notebook")
    asg.add_argument("--roster", required=True, help="CSV with a student_id column")
    asg.add_argument("--out", default="assigned", help="folder for the copies and keys.csv")
    asg.set_defaults(run=_assign)

    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
