"""Student copies: moved to :mod:`nntheory.teaching.student` (the teaching kit).

``from nntheory.student import ...`` and ``python -m nntheory.student`` still work.
"""

from .teaching.student import (  # noqa: F401
    ANSWER_TAG,
    BEGIN,
    END,
    PLACEHOLDER,
    __all__,
    answer_cell,
    blank_solutions,
    main,
    make_student_copy,
    strip_rubrics,
    student_book,
)

if __name__ == "__main__":
    main()
