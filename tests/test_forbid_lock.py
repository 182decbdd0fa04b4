"""The grader's lock nested in a check's own lock (issue 23; found by the lazy-student
probe of chapter 10: an honest answer graded 0 with "`optimize` is disabled here").

A check runs the student's function inside ``forbid.guard`` (its ``disabled()`` block and
its own :class:`~nntheory.teaching.forbid.Lock`), and the grader wraps that function in
its own lock. When a module had been imported since the grader's last scan, the grader's
lock scanned again *inside* the check's block: the scan read ``__module__`` on deprecated
scipy submodules whose PEP 562 ``__getattr__`` the check had locked (it raised), and it
cached the check's stubs in place of the originals. Both are tested here."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from nntheory.teaching import forbid

NAMES = ("scipy.optimize", "numpy.linalg.pinv", "numpy.linalg.pinv._implementation")


def test_no_module_level_dunder_is_locked():
    import scipy.optimize  # noqa: F401 - the tree the lock scans
    functions = forbid.runtime_functions(["scipy.optimize"])
    assert functions, "the scan found nothing to lock"
    assert not [f for f, _ in functions if f.__qualname__ in ("__getattr__", "__dir__")]


def test_a_grader_lock_scanning_inside_a_check_passes_an_honest_answer():
    grader = forbid.Lock(NAMES)
    grader.on()
    grader.off()                                      # the grader has scanned once
    fresh = types.ModuleType("_nntheory_test_fresh_module")
    sys.modules[fresh.__name__] = fresh               # an import since that scan
    try:
        def honest(a):
            grader.on()                               # what the grader's wrapper does
            try:
                return np.linalg.solve(a, np.ones(2))
            finally:
                grader.off()
        guarded = forbid.guard(honest, NAMES)
        np.testing.assert_allclose(guarded(np.eye(2) * 2.0), [0.5, 0.5])
        assert not forbid.tripped(clear=True)
        # the scan made inside the check did not replace the originals by its stubs:
        # with the grader's lock on, the forbidden function itself still raises
        grader.on()
        try:
            with pytest.raises(forbid.ForbiddenError):
                np.linalg.pinv(np.eye(2))
        finally:
            grader.off()
        np.testing.assert_allclose(np.linalg.pinv(np.eye(2)), np.eye(2))   # restored
    finally:
        del sys.modules[fresh.__name__]
        forbid.tripped(clear=True)


def test_a_graded_cell_cannot_start_another_process():
    """Found by the lazy-student probe of chapters 6-7: a cell running
    ``subprocess.run([sys.executable, "-c", ...])`` got the library with nothing
    disabled. While the grader's lock is on, every way of starting a process raises
    (an audit hook: run in a child, since no hook can be removed from a process)."""
    import subprocess
    script = (
        "import hashlib, os, subprocess, sys\n"
        "from nntheory.teaching import forbid\n"
        "forbid.install_lock(['nntheory.separability.cover_count'],\n"
        "                    hashlib.sha256(b's').hexdigest())\n"
        "tries = {'subprocess': lambda: subprocess.run([sys.executable, '-c', 'pass']),\n"
        "         'os.system': lambda: os.system('true'),\n"
        "         'os.popen': lambda: os.popen('true').read(),\n"
        "         'os.fork': lambda: os.fork()}\n"
        "forbid.grader_switch('s', True)\n"
        "for name, run in tries.items():\n"
        "    try:\n"
        "        run()\n"
        "        print('STARTED', name)\n"
        "    except forbid.ForbiddenError:\n"
        "        print('REFUSED', name)\n"
        "forbid.grader_switch('s', False)\n"
        "print('AFTER', subprocess.run([sys.executable, '-c', 'print(7)'],\n"
        "                              capture_output=True, text=True).stdout.strip())\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split("\n")
    assert [line for line in lines if line.startswith("REFUSED")] == [
        "REFUSED subprocess", "REFUSED os.system", "REFUSED os.popen", "REFUSED os.fork"]
    assert "AFTER 7" in lines                      # with the lock off, processes start


def test_forward_mode_and_the_autograd_engine_are_locked_too():
    """Found by the lazy-student probe of chapter 3: torch's forward mode (make_dual) and
    the C engine behind backward() (``Variable._execution_engine.run_backward``), both
    reached by getattr with built strings, passed ex-bp-softplus under the grader."""
    torch = pytest.importorskip("torch")

    def forward_mode(x):
        fa = getattr(torch.autograd, "forward" + "_ad")
        with fa.dual_level():
            dual = fa.make_dual(torch.tensor(x, dtype=torch.float64),
                               torch.tensor(1.0, dtype=torch.float64))
            return float(fa.unpack_dual(torch.sin(dual)).tangent)

    def engine(x):
        variable = getattr(getattr(torch.autograd, "vari" + "able"), "Vari" + "able")
        t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        (g,) = getattr(variable, "_execution" + "_engine").run_backward(
            (torch.sin(t),), (torch.ones((), dtype=torch.float64),), False, False, (t,),
            False, False)
        return float(g)

    for fn in (forward_mode, engine):
        assert fn(0.3) == pytest.approx(np.cos(0.3), rel=1e-12)
        with pytest.raises((forbid.ForbiddenError, AttributeError)):
            forbid.guard(fn, ["torch.autograd"])(0.3)
        lock = forbid.Lock(["torch.autograd"])
        lock.on()
        try:
            with pytest.raises((forbid.ForbiddenError, AttributeError)):
                fn(0.3)
        finally:
            lock.off()
        assert fn(0.3) == pytest.approx(np.cos(0.3), rel=1e-12)   # restored


def test_a_graded_cell_cannot_load_a_second_copy_of_an_imported_module():
    """Found by the lazy-student probe of chapters 8-9: a cell loaded the library's files
    again under another name (importlib.util.spec_from_file_location) and used the
    copies, which the lock had never disabled. While the grader's lock is on, running
    the code of an already imported module again raises; a first import still works."""
    import subprocess
    script = (
        "import hashlib, importlib, importlib.util, json, sys\n"
        "from nntheory.teaching import forbid\n"
        "import nntheory.separability as sep\n"
        "forbid.install_lock(['nntheory.separability.cover_count'],\n"
        "                    hashlib.sha256(b's').hexdigest())\n"
        "def copy():\n"
        "    spec = importlib.util.spec_from_file_location('nntheory.sep_copy', sep.__file__)\n"
        "    module = importlib.util.module_from_spec(spec)\n"
        "    sys.modules[spec.name] = module\n"
        "    spec.loader.exec_module(module)\n"
        "    return module.cover_count(5, 2)\n"
        "tries = {'copy': copy, 'reload': lambda: importlib.reload(json),\n"
        "         'first import': lambda: importlib.import_module('colorsys')}\n"
        "forbid.grader_switch('s', True)\n"
        "for name, run in tries.items():\n"
        "    try:\n"
        "        run()\n"
        "        print('RAN', name)\n"
        "    except forbid.ForbiddenError:\n"
        "        print('REFUSED', name)\n"
        "forbid.grader_switch('s', False)\n"
        "print('AFTER', copy())\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split("\n")
    assert lines[:3] == ["REFUSED copy", "REFUSED reload", "RAN first import"], lines
    assert "AFTER 22" in lines                         # with the lock off, it loads


def test_an_updated_name_bound_earlier_in_the_same_cell_needs_no_earlier_cell():
    """Found by the lazy re-probe of chapters 1-2: ``u = ...`` then ``u /= norm`` in one
    cell was read as needing ``u`` from an earlier (chapter) cell that called a forbidden
    function, so an honest answer was refused ("your code uses `perceptron`")."""
    history = ["u, gamma = perceptron.max_margin(X, y)",
               "u = np.array([1.0, 2.0])\nu /= np.linalg.norm(u)\nanswer = u"]
    assert forbid.dependent_cells("answer", history) == [history[1]]
    history[1] = "u /= np.linalg.norm(u)\nanswer = u"      # a real update: it is needed
    assert forbid.dependent_cells("answer", history) == history[::-1]


def test_the_graders_private_copy_of_the_bank_is_locked_too():
    """Found by the lazy-student probe of chapters 8-9: a student's function called by the
    grader's check could read the private copy's bank helpers through its caller's frame."""
    name = "_nntheory_pristine_test0.teaching.bank.chx"
    module = types.ModuleType(name)
    exec("def _expected(x):\n    return 2 * x\n", module.__dict__)
    module._expected.__module__ = name
    sys.modules[name] = module
    try:
        found = forbid.runtime_functions([forbid.REGISTRY_INTERNALS])
        assert module._expected in [fn for fn, _ in found]
    finally:
        del sys.modules[name]
