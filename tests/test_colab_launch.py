"""A chapter runs on Colab and as a downloaded notebook: the set-up cell, then every cell.

Colab is imitated by a virtual environment holding only what Colab ships: the versions
below are those of Colab's runtime image as published by Google
(github.com/googlecolab/backend-info, ``pip-freeze.txt`` of 2026-08-19, Python 3.13
there), with two substitutions: the Python that runs these tests (3.11 in CI), and
torch 2.13.0+cpu (the CPU wheel the repository installs; Colab's CPU runtime had
2.11.0+cpu). No ``nntheory``, no myst-nb, no jupyter-book.

The test then does what a reader does. Each notebook is copied alone into an empty
folder (as on Colab, or downloaded from the site) and executed cell by cell in a kernel
of that environment, live (not headless: progress bars and ipywidgets 7 sliders are
built, as in a browser); its first cell installs ``nntheory`` from a git repository
holding the working tree's library (``NNTHEORY_SOURCE=git+file://...``, the variable the
set-up cell reads in place of the GitHub URL), tagged ``v<version>`` as a release is.
Every cell of chapter 1, of chapter 4 (torch, an interactive figure) and of the
appendix must run without error, and pip must upgrade none of Colab's packages.

The environment is built once and kept in ``.cache/colab-venv-<key>`` (ignored by git;
the key changes with the versions), so later runs take seconds plus the notebooks' own
time. Building it needs PyPI (and PyTorch's CPU index when no local wheel of torch
2.13.0+cpu is found, as ``make install``). ``NNTHEORY_COLAB_TEST=0`` skips the test.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from test_launch import library_repository  # the library as a tagged git repository

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "book" / "chapters"
CACHE = ROOT / ".cache"

#: What Colab ships (googlecolab/backend-info, pip-freeze.txt, 2026-08-19), as far as
#: nntheory and running a notebook are concerned; torch: see the module's docstring.
COLAB = {
    "pip": "24.1.2",
    "numpy": "2.1.3",
    "scipy": "1.16.3",
    "matplotlib": "3.10.0",
    "torch": "2.13.0+cpu",
    "tqdm": "4.67.3",
    "ipywidgets": "7.7.1",
    "widgetsnbextension": "3.6.10",
    "jupyterlab_widgets": "3.0.16",
    "ipykernel": "6.17.1",
    "ipython": "7.34.0",
    "jupyter_client": "7.4.9",
    "traitlets": "5.7.1",
    "notebook": "6.5.7",
    "nbclient": "0.10.4",
    "nbformat": "5.11.1",
    "pyzmq": "26.2.1",
    "tornado": "6.5.7",
    "psutil": "5.9.5",
    "matplotlib-inline": "0.2.2",
    "pillow": "11.3.0",
}
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
#: chapter 1 (NumPy, an animation, an interactive figure), chapter 4 (torch, an
#: interactive figure), the appendix (it once read the other notebooks from its folder)
NOTEBOOKS = ["01_perceptron.ipynb", "04_universal_approximation.ipynb",
             "appendix_seed_claims.ipynb"]

skip_unless_wanted = pytest.mark.skipif(os.environ.get("NNTHEORY_COLAB_TEST", "1") == "0",
                                        reason="NNTHEORY_COLAB_TEST=0")


def _key() -> str:
    text = json.dumps([sys.version_info[:2], sorted(COLAB.items())])
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment of a reader's session: none of this test run's own settings."""
    drop = ("CI", "NNTHEORY_", "PYTEST", "PYTHON", "VIRTUAL_ENV", "JUPYTER", "MPLBACKEND")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PIP_DISABLE_PIP_VERSION_CHECK="1", **extra)
    return env


def _pip(python: Path, *args: str, timeout: int = 1200) -> subprocess.CompletedProcess:
    return subprocess.run([str(python), "-m", "pip", "install", "--progress-bar", "off",
                           *args], capture_output=True, text=True, timeout=timeout,
                          env=_clean_env())


def _build(venv: Path) -> None:
    """A new virtual environment with exactly the COLAB versions (and what they need)."""
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    out = _pip(python, f"pip=={COLAB['pip']}")
    assert out.returncode == 0, out.stdout + out.stderr
    pins = [f"{name}=={version}" for name, version in COLAB.items() if name != "pip"]
    out = _pip(python, *pins)
    if out.returncode != 0:     # torch's CPU build from PyTorch's index, as make install
        out = _pip(python, *pins, "--extra-index-url", TORCH_CPU_INDEX)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]


@pytest.fixture(scope="module")
def colab_python():
    """The Colab-like environment's Python, held under a lock (one user at a time:
    the test installs nntheory into it and removes it again)."""
    CACHE.mkdir(exist_ok=True)
    venv = CACHE / f"colab-venv-{_key()}"
    with open(CACHE / "colab-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        python = venv / "bin" / "python"
        usable = (venv / ".complete").is_file() and subprocess.run(
            [str(python), "-c", "import numpy, torch, ipykernel"], capture_output=True,
            timeout=300, env=_clean_env()).returncode == 0
        if not usable:          # never built, interrupted, or its base Python is gone
            for old in CACHE.glob("colab-venv-*"):      # older versions' environments too
                if old.is_dir():
                    shutil.rmtree(old, ignore_errors=True)
            _build(venv)
            (venv / ".complete").write_text("\n".join(f"{k}=={v}" for k, v in COLAB.items()))
        _uninstall_nntheory(python)         # left over by an interrupted run
        yield python
        _uninstall_nntheory(python)


def _uninstall_nntheory(python: Path) -> None:
    subprocess.run([str(python), "-m", "pip", "uninstall", "-y", "-q", "nntheory"],
                   capture_output=True, timeout=300, env=_clean_env())


def _freeze(python: Path) -> dict[str, str]:
    out = subprocess.run([str(python), "-m", "pip", "list", "--format", "json"],
                         capture_output=True, text=True, check=True, timeout=300,
                         env=_clean_env())
    return {p["name"].lower().replace("_", "-"): p["version"] for p in json.loads(out.stdout)}


#: Runs in the Colab-like environment: executes each notebook in its own folder with a
#: live kernel and prints one JSON line per notebook. Written into the environment's
#: folder, so no batch tool (pytest, nbclient) appears in the kernel's parent's command
#: line and nntheory runs as in a browser session (settings.headless() is False).
DRIVER = textwrap.dedent('''
    import json, os, sys, time
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    for path in json.loads(os.environ["COLAB_NOTEBOOKS"]):
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(nb, timeout=300, kernel_name="python3",
                                resources={"metadata": {"path": os.path.dirname(path)}})
        start, error = time.perf_counter(), None
        try:
            client.execute()
        except CellExecutionError as exc:
            error = str(exc)[-4000:]
        code = [c for c in nb.cells if c.cell_type == "code"]
        setup = "".join(o.get("text", "") for o in code[0].get("outputs", []))
        timing = code[0].get("metadata", {}).get("execution", {})
        setup_seconds = None
        if "shell.execute_reply" in timing:
            from datetime import datetime
            t0, t1 = (datetime.fromisoformat(timing[k].replace("Z", "+00:00"))
                      for k in ("iopub.execute_input", "shell.execute_reply"))
            setup_seconds = (t1 - t0).total_seconds()
        widgets = sum(all(m in o.get("data", {}) for m in
                          ("application/vnd.jupyter.widget-view+json", "image/png"))
                      for c in code for o in c.get("outputs", []))
        print(json.dumps({"path": path, "seconds": time.perf_counter() - start,
                          "error": error, "setup_output": setup,
                          "setup_seconds": setup_seconds, "live_widgets": widgets,
                          "executed": sum(c.get("execution_count") is not None
                                          for c in code),
                          "code_cells": len(code)}), flush=True)
''')


@skip_unless_wanted
def test_chapters_run_on_colab_and_downloaded_alone(colab_python, tmp_path):
    import tomllib

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    repo = library_repository(tmp_path, version)
    check = subprocess.run([str(colab_python), "-c", "import nntheory"], capture_output=True,
                           env=_clean_env(), cwd=tmp_path)
    assert check.returncode != 0, "the Colab-like environment already has nntheory"
    before = _freeze(colab_python)
    for name, pinned in COLAB.items():     # the environment is what Colab ships
        assert before[name.lower().replace("_", "-")] == pinned, name
    assert "myst-nb" not in before and "jupyter-book" not in before

    paths = []
    for name in NOTEBOOKS:                 # each notebook alone in an empty folder
        folder = tmp_path / Path(name).stem
        folder.mkdir()
        shutil.copy(CHAPTERS / name, folder / name)
        paths.append(str(folder / name))
    driver = colab_python.parents[1] / "run_notebooks.py"
    driver.write_text(DRIVER)
    start = time.perf_counter()
    out = subprocess.run([str(colab_python), str(driver)], capture_output=True, text=True,
                         timeout=900, cwd=tmp_path,
                         env=_clean_env(NNTHEORY_SOURCE=f"git+file://{repo}",
                                        COLAB_NOTEBOOKS=json.dumps(paths)))
    elapsed = time.perf_counter() - start
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    results = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    assert [Path(r["path"]).name for r in results] == NOTEBOOKS, out.stdout + out.stderr
    for r in results:
        assert r["error"] is None, f"{r['path']}:\n{r['error']}"
        assert r["executed"] == r["code_cells"] > 10, r
    # the first notebook's set-up cell installed the release, saying so calmly; the
    # others found nntheory installed and printed nothing
    first = results[0]["setup_output"]
    assert f"from git+file://{repo} at v{version} ..." in first, first
    assert "not tagged" not in first and "ERROR" not in first and "error" not in first
    assert first.rstrip().endswith("Done: nntheory is installed."), first
    assert [r["setup_output"] for r in results[1:]] == ["", ""]
    # the kernel was a reader's (not headless): the interactive figures were built
    # with ipywidgets 7.7 and shown as widget + static picture (nntheory.widgets)
    calls = [sum("".join(c["source"]).count("interactive_figure(")
                 for c in json.loads((CHAPTERS / name).read_text())["cells"]
                 if c["cell_type"] == "code") for name in NOTEBOOKS]
    assert [r["live_widgets"] for r in results] == calls and sum(calls) >= 1, results
    # pip changed nothing Colab ships: only nntheory was added
    after = _freeze(colab_python)
    assert {k: v for k, v in after.items() if k != "nntheory"} == before
    assert after["nntheory"] == version
    print(f"Colab-like run: {elapsed:.1f} s in all; set-up cell (pip install) "
          f"{results[0]['setup_seconds']:.1f} s; "
          + ", ".join(f"{Path(r['path']).stem} {r['seconds']:.1f} s" for r in results))


# ------------------------------------------ nntheory.widgets where Colab shows widgets


def test_a_colab_kernel_gets_live_widgets_with_a_static_fallback(monkeypatch):
    """Colab's shell is a subclass of ipykernel's ZMQInteractiveShell with another name:
    the live controls are shown there. The live figure's display carries the widget's
    view and a PNG, so a front end that cannot show the widget shows the figure."""
    import base64

    import IPython
    import matplotlib.pyplot as plt

    from nntheory import settings, widgets

    class ZMQInteractiveShell:                  # stands for ipykernel's class
        pass

    class Shell(ZMQInteractiveShell):           # google.colab._shell.Shell
        pass

    monkeypatch.setattr(settings, "headless", lambda: False)
    with monkeypatch.context() as m:
        m.setattr(IPython, "get_ipython", lambda: Shell())
        assert widgets.live_widgets_available()
        m.setattr(IPython, "get_ipython", lambda: object())   # not a Jupyter kernel
        assert not widgets.live_widgets_available()

    def draw(a):
        fig, ax = plt.subplots(figsize=(2, 2))
        ax.plot([0, 1], [0, a])
        return fig

    assert isinstance(widgets.interactive_figure(draw, {"a": widgets.Slider(0, 1, 0.1, 0.5)}),
                      plt.Figure)
    monkeypatch.setattr(widgets, "live_widgets_available", lambda: True)
    live = widgets.interactive_figure(draw, {"a": widgets.Slider(0, 1, 0.1, 0.5)})
    assert isinstance(live, widgets.LiveFigure)
    bundle = live._repr_mimebundle_()
    assert bundle[widgets.WIDGET_VIEW]["model_id"] == live.widget.model_id
    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG")
    slider = live.widget.children[0].children[0]
    assert (slider.min, slider.max, slider.value) == (0, 1, 0.5)
    slider.value = 0.8                          # redraws without error
