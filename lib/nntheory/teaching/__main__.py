"""``python -m nntheory.teaching`` is the ``nntheory`` command."""

from .cli import main

if __name__ == "__main__":
    main()
