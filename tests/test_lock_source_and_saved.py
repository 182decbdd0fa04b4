"""Two holes of the grader's lock found by the lazy-student re-probe of chapters 8-9
(/work/notes/lazy2_ch89.md), reproduced from the probe's own answer cells.

* **G′**: an answer cell read a loaded module's ``.py`` file, kept the ``def``s it needed
  with ``ast`` and compiled them under another file name (``"<fresh>"``) into a copy of
  the module's globals: new function objects that no lock knew, running the original
  code (the exec hook looked only at ``co_filename``).
* **L**: the lock kept each disabled function's original code where a cell could reach
  it (``forbid.grader_switch.__closure__`` -> ``Lock._saved``, ``gc``), and the cell
  rebuilt the locked function with ``types.FunctionType``.

Both are refused while a lock is on, with a message that ends in
:data:`nntheory.teaching.forbid.LOCKED`; in the student's own check a copy compiled
before the check ran is refused by the source refusal (its code is a forbidden
function's). Each grader scenario runs in a child process: an audit hook cannot be
removed from the process that installed it.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from exercise_helpers import define as define_cell
from exercise_helpers import fresh_kernel  # noqa: F401 (fresh_kernel: the autouse fixture)

from nntheory.teaching import exercises, forbid

# the probe's helper (its work/answers.py, COPY), as a cell would hold it
COPY = textwrap.dedent('''
    import ast as _ast, importlib as _il, sys as _sys
    def _defs(modname, *names):
        m = _sys.modules.get(modname) or _il.import_module(modname)
        with open(m.__file__) as fh:
            tree = _ast.parse(fh.read())
        keep = [n for n in tree.body if isinstance(n, _ast.FunctionDef) and n.name in names]
        for n in keep:
            n.decorator_list = []
        ns = dict(vars(m))
        exec(compile(_ast.Module(body=keep, type_ignores=[]), "<fresh>", "exec"), ns)
        return ns
    ''')
TANH = COPY + textwrap.dedent('''
    _conv = _defs("nntheory.initial" + "isation", "tanh_to" + "_sigmoid")["tanh_to" + "_sigmoid"]
    def to_sigmoid(params):
        return _conv(params)
    ''')
THRESHOLD = COPY + textwrap.dedent('''
    _bank = _defs("nntheory.teaching.bank.ch08_09", "_threshold" + "_expected", "_threshold_L")
    _thr = _bank["_threshold" + "_expected"]
    def sgd_threshold(X, momentum, dampening, nesterov):
        return _thr((X, momentum, dampening, nesterov))
    ''')
# route L as the probe wrote it (CH9_LONLY), and the same originals found through gc
ROUTE_L = textwrap.dedent('''
    import sys as _sys, types as _ty
    sw = getattr(_sys.modules["nntheory.teaching.for" + "bid"], "grader_" + "switch")
    lk = next(c.cell_contents for c in sw.__closure__
              if hasattr(c.cell_contents, "_sa" + "ved"))
    ''')
ROUTE_GC = textwrap.dedent('''
    import gc as _gc
    lk = [o for o in _gc.get_objects() if type(o).__name__ == "Lock"]
    ''')

CHILD = textwrap.dedent('''
    import hashlib, json, sys, traceback
    from nntheory.teaching import exercises, forbid, variants
    import nntheory.teaching.bank.ch08_09, nntheory.initialisation, torch.optim
    variants.set_student("lazy2", "32c464c52a3a77631e623a2954db1ed3")
    names = sorted({n for l in ("ex-init-tanh-sigmoid", "ex-opt-threshold")
                    for n in exercises.get(l).forbid} | {forbid.REGISTRY_INTERNALS})
    secrets = ["s0", "s1", "s2", "s3"]
    digest = lambda s: hashlib.sha256(s.encode()).hexdigest()
    forbid.install_lock(names, digest(secrets[0]))
    out = {}
    for i, (name, cell) in enumerate(json.loads(sys.argv[1]).items()):
        g = {"__name__": "__main__"}
        forbid.grader_switch(secrets[2 * i], True, digest(secrets[2 * i + 1]))
        try:
            exec(compile(cell, "<cell>", "exec"), g)
            out[name] = "ran"
        except Exception as exc:
            out[name] = f"{type(exc).__name__}: {exc}"
        forbid.grader_switch(secrets[2 * i + 1], False, digest(secrets[2 * i + 2]))
        secrets.extend([f"s{len(secrets)}", f"s{len(secrets) + 1}"])
    print(json.dumps(out))
    ''')


def _in_grader(cells: dict[str, str]) -> dict[str, str]:
    import json
    result = subprocess.run([sys.executable, "-c", CHILD, json.dumps(cells)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def grader_runs():
    return _in_grader({"tanh": TANH, "threshold": THRESHOLD, "route_l": ROUTE_L,
                       "route_gc": ROUTE_GC,
                       "linecache": "import linecache, nntheory.teaching.bank.ch08_09 as b\n"
                                    "src = linecache.getlines(b.__file__)\n"
                                    "assert not src, 'source read'",
                       "inspect": "import inspect, nntheory.initialisation as m\n"
                                  "inspect.getsource(m)",
                       "symlink": "import os, tempfile, nntheory.initialisation as m\n"
                                  "p = tempfile.mktemp()\nos.symlink(m.__file__, p)\n"
                                  "open(p).read()",
                       "honest": "import collections, numpy as np\n"
                                 "P = collections.namedtuple('P', 'a b')\n"
                                 "x = float(np.linalg.norm(np.ones(3)))"})


def test_g_prime_a_module_compiled_again_from_its_file_is_refused_in_the_grader(grader_runs):
    for name in ("tanh", "threshold"):
        assert grader_runs[name].startswith(("SourceLocked", "ForbiddenError")), grader_runs
        assert forbid.LOCKED in grader_runs[name]


def test_the_source_cannot_be_read_by_another_path_in_the_grader(grader_runs):
    assert grader_runs["linecache"] == "ran"            # the cache is empty: no source
    assert grader_runs["inspect"].startswith("OSError"), grader_runs["inspect"]
    assert grader_runs["symlink"].startswith("SourceLocked"), grader_runs["symlink"]
    assert forbid.LOCKED in grader_runs["symlink"]


def test_route_l_the_locks_originals_are_out_of_reach_in_the_grader(grader_runs):
    # the switch keeps no lock in a closure any more; gc is refused while the lock is on
    assert grader_runs["route_l"].startswith("TypeError"), grader_runs["route_l"]
    assert grader_runs["route_gc"].startswith("ForbiddenError"), grader_runs["route_gc"]
    assert forbid.LOCKED in grader_runs["route_gc"]
    assert grader_runs["honest"] == "ran"


# ------------------------------------------------------------------ the student's check


def test_g_prime_copy_made_before_the_check_is_refused_by_the_check():
    """In the student's own kernel the cell runs unlocked, so the copy is made; the check
    refuses it (its code is ``tanh_to_sigmoid``'s), whatever the names it goes by."""
    ns = define_cell(TANH)
    ok, message = exercises.get("ex-init-tanh-sigmoid").verdict(ns["to_sigmoid"])
    assert not ok and "not allowed" in message and "tanh_to_sigmoid" in message, message


def test_a_saved_original_cannot_be_made_into_a_function_while_the_check_runs():
    """Route L in the student's kernel: the original code, taken before the check, is
    refused when the student's function turns it into a function during the check."""
    import nntheory.teaching.bank.ch08_09 as bank
    original = bank._threshold_expected.__code__
    ns = define_cell("import types as _t\n"
                "def sgd_threshold(X, momentum, dampening, nesterov):\n"
                "    f = _t.FunctionType(ORIG, BANK)\n"
                "    return f((X, momentum, dampening, nesterov))\n",
                {"__name__": "__main__", "ORIG": original, "BANK": vars(bank)})
    ok, message = exercises.get("ex-opt-threshold").verdict(ns["sgd_threshold"])
    assert not ok and forbid.LOCKED in message, message


def test_frames_and_gc_are_refused_inside_the_check():
    ns = define_cell("import sys as _s, gc as _g\n"
                "def to_sigmoid(params):\n"
                "    f = _s._getframe(1)\n"
                "    return params\n"
                "def he_constant(a, s):\n"
                "    _g.get_referrers(a)\n"
                "    return 2 / (a * a + s * s)\n")
    for label, name in (("ex-init-tanh-sigmoid", "to_sigmoid"),
                        ("ex-init-leaky", "he_constant")):
        ok, message = exercises.get(label).verdict(ns[name])
        assert not ok and forbid.LOCKED in message, (label, message)


def test_the_switch_cell_binds_no_global_and_a_spent_secret_does_not_switch():
    """The probe's s3_8 kept a helper in a global ``_f`` that the grader's switch cell
    overwrote (NameError in the grader). The switch cell now binds no name; each secret
    works once, so a switch cell read from the history cannot turn the lock off later."""
    script = textwrap.dedent('''
        from nntheory.teaching.executor import _Switch
        from nntheory.teaching import forbid
        sw = _Switch(["nntheory.separability.cover_count"], [])
        forbid.install_lock(sw.names, sw.digest)
        g = {"_f": "mine"}
        on = sw.code(True)
        exec(on, g)
        exec(sw.code(False), g)
        print("GLOBALS", sorted(k for k in g if k != "__builtins__"), g["_f"])
        try:
            exec(on, g)
            print("REPLAYED")
        except PermissionError as exc:
            print("REFUSED", exc)
        ''')
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "GLOBALS ['_f'] mine" in result.stdout
    assert "REFUSED not the grader" in result.stdout
