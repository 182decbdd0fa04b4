"""Student copies of chapter notebooks: every solution body blanked to ``...``.

In a chapter, the code of a solution sits between a line ``# BEGIN SOLUTION``
and a line ``# END SOLUTION``; the cell first assigns a placeholder (``answer =
...``), so the blanked cell still runs and the answer check that follows reports
"not yet solved" instead of crashing. Run as a script to write the copies::

    python -m nntheory.student book/chapters/*.ipynb --out student/
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

__all__ = ["blank_solutions", "make_student_copy", "main"]

_BLOCK = re.compile(r"^([ \t]*)# BEGIN SOLUTION[^\n]*\n.*?^[ \t]*# END SOLUTION[^\n]*$",
                    re.MULTILINE | re.DOTALL)


def blank_solutions(source: str) -> str:
    """Replace every ``# BEGIN SOLUTION`` ... ``# END SOLUTION`` block by ``...``."""
    if source.count("# BEGIN SOLUTION") != source.count("# END SOLUTION"):
        raise ValueError("unbalanced '# BEGIN SOLUTION' / '# END SOLUTION' markers")
    return _BLOCK.sub(lambda m: f"{m.group(1)}...  # your solution here", source)


def make_student_copy(notebook: dict) -> dict:
    """A copy of a notebook (nbformat JSON as a dict) with solutions blanked."""
    nb = json.loads(json.dumps(notebook))
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if "# BEGIN SOLUTION" in src:
            cell["source"] = blank_solutions(src)
            cell["outputs"] = []
            cell["execution_count"] = None
    return nb


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write student copies of chapter notebooks.")
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=Path("student"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for path in args.notebooks:
        nb = make_student_copy(json.loads(path.read_text()))
        (args.out / path.name).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
        print(f"wrote {args.out / path.name}")


if __name__ == "__main__":
    main()
