"""The teaching kit: answer checks, the exercise registry, student copies, the grader.

* :mod:`~nntheory.teaching.checks`: the answer checks the chapters call (also
  importable as ``nntheory.checks``);
* :mod:`~nntheory.teaching.exercises`: every graded exercise by its label, with
  expected values and hidden cases;
* :mod:`~nntheory.teaching.student`: student copies (solutions blanked; also
  ``nntheory.student``) and a solution-free copy of the whole book;
* :mod:`~nntheory.teaching.grade`: ``nntheory grade CHAPTER SUBMISSIONS/``, each
  notebook in its own sandbox (:mod:`~nntheory.teaching.sandbox`, run by
  :mod:`~nntheory.teaching.executor`), the reports by :mod:`~nntheory.teaching.report`;
* :mod:`~nntheory.teaching.guide`: the tables of the teacher's guide, from the book.

The command line is :mod:`~nntheory.teaching.cli` (``nntheory --help``, or
``python -m nntheory --help``).
"""

__all__ = ["checks", "exercises", "student", "grade", "guide", "cli"]
