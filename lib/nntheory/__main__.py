"""``python -m nntheory`` is the ``nntheory`` command (``nntheory grade ...``)."""

from .teaching.cli import main

if __name__ == "__main__":
    main()
