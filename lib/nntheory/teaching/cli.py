"""The ``nntheory`` command (a console script; also ``python -m nntheory.teaching``).

::

    nntheory student book/chapters/03_backprop.ipynb --out student/   # copies to hand out
    nntheory grade 03 submissions/ --out grades/ --jobs 2 --timeout 120
    nntheory guide                      # the exercise tables of the teacher's guide
    nntheory student-book book --out _build_student/book   # a solution-free book
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

__all__ = ["main"]


def _grade(args) -> None:
    from . import grade
    try:
        grade.grade(args.chapter, args.submissions, args.out, jobs=args.jobs,
                    timeout=args.timeout, progress=not args.quiet)
    except (ValueError, TypeError) as exc:
        raise SystemExit(f"nntheory grade: {exc}") from None


def _grade_one(args) -> None:
    from . import grade
    reference = grade.load_reference(args.chapter)
    result = grade.grade_one(reference, args.notebook, timeout=args.timeout)
    Path(args.result).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")


def _student(args) -> None:
    from . import student
    student.main([*map(str, args.notebooks), "--out", str(args.out)])


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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="nntheory", description="The teaching kit of Executable Neural Network Theory.")
    sub = parser.add_subparsers(dest="command", required=True)

    g = sub.add_parser("grade", help="grade a folder of submitted notebooks of one chapter")
    g.add_argument("chapter", help="the chapter: its number (3), stem (03_backprop) or the "
                                   "path to its solution notebook")
    g.add_argument("submissions", type=Path,
                   help="a folder of .ipynb files, or of one folder per student")
    g.add_argument("--out", type=Path, default=Path("grades"),
                   help="where grades.csv and feedback/ go (default: grades)")
    g.add_argument("--jobs", type=int, default=1, help="notebooks run at a time (default 1)")
    g.add_argument("--timeout", type=float, default=300,
                   help="seconds one notebook may run (default 300)")
    g.add_argument("--quiet", action="store_true", help="no progress lines")
    g.set_defaults(run=_grade)

    one = sub.add_parser("_grade-one", help=argparse.SUPPRESS)
    one.add_argument("chapter")
    one.add_argument("notebook")
    one.add_argument("--timeout", type=float, default=300)
    one.add_argument("--result", required=True)
    one.set_defaults(run=_grade_one)

    s = sub.add_parser("student", help="write student copies (solutions blanked)")
    s.add_argument("notebooks", nargs="+", type=Path)
    s.add_argument("--out", type=Path, default=Path("student"))
    s.set_defaults(run=_student)

    gd = sub.add_parser("guide", help="print the teacher's guide tables, from the book")
    gd.add_argument("--chapters", default="book/chapters")
    gd.add_argument("--write", help="write them between the markers of this page")
    gd.set_defaults(run=_guide)

    sb = sub.add_parser("student-book", help="copy the book with every solution removed")
    sb.add_argument("book", nargs="?", default="book")
    sb.add_argument("--out", default="_build_student/book")
    sb.set_defaults(run=_student_book)

    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
