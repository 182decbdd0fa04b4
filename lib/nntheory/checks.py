"""Answer checks: moved to :mod:`nntheory.teaching.checks` (the teaching kit).

``from nntheory import checks`` still works and gives that very module (the same
object, so the grader's integrity check and the chapters agree on what
``checks`` is).
"""

import sys

from .teaching import checks as _checks

sys.modules[__name__] = _checks
