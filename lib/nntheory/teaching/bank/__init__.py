"""The exercise bank: one module per group of chapters, so that the chapters' exercises
are edited apart; :mod:`nntheory.teaching.exercises` registers them in book order.

Importing a bank module first imports the registry (which imports the whole bank)."""

from .. import exercises as _registry  # noqa: F401 - the registry, then the bank, in order
