"""A small chapter for the grader's tests, cut from chapter 3 at test time.

``fixture_notebook()`` is chapter 3's exercise section (its three exercises, their
data, solution and check cells, with their cell ids) after one imports cell, so a
submission runs in seconds and follows the chapter as it is edited. Saved as
``03_backprop.ipynb`` it is graded as chapter 3. ``tests/fixtures/submissions/
03_backprop.ipynb`` is a stored copy for looking at (the tests cut their own).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from nntheory.teaching import student

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "book" / "chapters" / "03_backprop.ipynb"
LABELS = ("ex-bp-count", "ex-bp-scalar", "ex-bp-softplus")
SOLUTION_CELLS = {"n_params": "2e62e40e", "dL_dw1": "607e577e", "softplus": "338a97e2"}
CHECK_CELLS = {"ex-bp-count": "12abd3c0", "ex-bp-scalar": "2f2a2718",
               "ex-bp-softplus": "01731d89"}
IMPORTS = ("import numpy as np\n\n"
           "from nntheory import checks\n"
           "from nntheory.glue import glue")
RIGHT = {
    "n_params": "def count_params(widths):\n"                 # ex-bp-count's answer
                "    n, L = widths, len(widths) - 1\n"        # (the variant's skips)
                "    skip = {'from the input to every later layer':\n"
                "            sum(n[0] * n[l] for l in range(2, L + 1)),\n"
                "            'from each layer to the layer two above it':\n"
                "            sum(n[l - 2] * n[l] for l in range(2, L + 1)),\n"
                "            'from the input to the output layer': n[0] * n[L]}[skips_ex]\n"
                "    return (sum(n[l - 1] * n[l] for l in range(1, L + 1)) + skip\n"
                "            + sum(n[1:L]) + (n[L] if output_biases_ex else 0))",
    "dL_dw1": "def tiny_grad(x, y, w1, b1, w2, b2):\n"      # ex-bp-scalar's answer
              "    a = np.tanh(w1 * x + b1)\n"
              "    r = 2 * (w2 * a + b2 - y)\n"
              "    return [r * w2 * (1 - a ** 2) * x, r * w2 * (1 - a ** 2), r * a, r]",
    "softplus": "def softplus_gradients(params, X, Y):\n"
                "    W1, b1, W2, b2 = params\n"
                "    Z1 = X @ W1 + b1\n"
                "    A1 = np.logaddexp(0.0, beta_sp * Z1) / beta_sp\n"
                "    out = A1 @ W2 + b2\n"
                "    G2 = 2 * (out - Y) / {denominator}\n"
                "    G1 = (G2 @ W2.T) / (1 + np.exp(-beta_sp * Z1))\n"
                "    return [X.T @ G1, G1.sum(0), A1.T @ G2, G2.sum(0)]",
}
RIGHT_SOFTPLUS = RIGHT["softplus"].format(denominator="out.size")
FITTED_SOFTPLUS = RIGHT["softplus"].format(denominator="14")
WRONG = {"n_params": "def count_params(widths):\n    return 5000",
         "dL_dw1": "def tiny_grad(x, y, w1, b1, w2, b2):\n    return [-0.32, 0.0, 0.0, 0.0]",
         "softplus": "def softplus_gradients(params, X, Y):\n"
                     "    return [np.zeros_like(p) for p in params]"}


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def fixture_notebook() -> dict:
    """The solution notebook of the small chapter (a fresh copy each call)."""
    nb = json.loads(CHAPTER.read_text(encoding="utf-8"))
    cells = nb["cells"]
    first = next(i for i, c in enumerate(cells)
                 if c["cell_type"] == "markdown" and ":label: ex-bp-count" in _source(c))
    last = next(i for i, c in enumerate(cells) if i > first and c["cell_type"] == "markdown"
                and _source(c).lstrip().startswith("## "))
    section = copy.deepcopy(cells[first:last])
    heading = section[0]
    text = _source(heading)
    heading["source"] = text[text.index("## Exercises"):] if "## Exercises" in text else text
    head = [{"cell_type": "markdown", "id": "fixture-title", "metadata": {},
             "source": "# Multilayer networks and backpropagation (a grading fixture)"},
            {"cell_type": "code", "id": "fixture-imports", "metadata": {}, "outputs": [],
             "execution_count": None, "source": IMPORTS}]
    return {**nb, "cells": head + section}


def write_reference(folder: Path) -> Path:
    """Save the small chapter as ``folder/03_backprop.ipynb`` (graded as chapter 3)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "03_backprop.ipynb"
    path.write_text(json.dumps(fixture_notebook(), indent=1), encoding="utf-8")
    return path


def set_cell(nb: dict, cell_id: str, source: str | None) -> dict:
    for i, cell in enumerate(nb["cells"]):
        if cell.get("id") == cell_id:
            if source is None:
                del nb["cells"][i]
            else:
                cell["source"] = source
            return nb
    raise KeyError(cell_id)


def answers(n_params="...", dL_dw1="...", softplus="...", nb=None) -> dict:
    """The student copy with the given answers filled in (``...``: left blank)."""
    nb = nb or student.make_student_copy(fixture_notebook())
    for key, value in (("n_params", n_params), ("dL_dw1", dL_dw1), ("softplus", softplus)):
        if value != "...":
            set_cell(nb, SOLUTION_CELLS[key], value)
    return nb


def insert_after_imports(nb: dict, source: str, cell_id: str = "student-extra") -> dict:
    index = next(i for i, c in enumerate(nb["cells"]) if c.get("id") == "fixture-imports")
    nb["cells"].insert(index + 1, {"cell_type": "code", "id": cell_id, "metadata": {},
                                   "source": source, "outputs": [], "execution_count": None})
    return nb


def correct() -> dict:
    return answers(RIGHT["n_params"], RIGHT["dL_dw1"], RIGHT_SOFTPLUS)
