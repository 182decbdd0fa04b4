"""Chapter 8 exercises against the second lazy-student probe (/work/notes/lazy2_ch89.md).

Route G' of that probe: a graded answer reads a loaded module's own ``.py`` file, keeps
the needed top-level ``def``s with ``ast`` and compiles them again under another file
name. The new function objects are not the ones the lock disabled, so a forbidden
function (torch's ``calculate_gain``, ``initialisation.tanh_to_sigmoid``) comes back.
The hole was in the lock (``nntheory.teaching.forbid``), not in the exercises; since
c0aa2d2 the student's check refuses an answer that reaches a copy of a forbidden function
(the same code in another function object), and these tests assert that the route fails on
chapter 8's checks (the grader's kernel refuses reading the module's source as well:
tests/test_lock_source_and_saved.py).
"""

from __future__ import annotations

from exercise_helpers import (
    define,
    fresh_kernel,  # noqa: F401 (the autouse fixture)
    verdict,
)

RECOMPILE = '''
import ast, importlib, sys
def _defs(modname, *names):
    m = sys.modules.get(modname) or importlib.import_module(modname)
    tree = ast.parse(open(m.__file__).read())
    keep = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in names]
    for n in keep:
        n.decorator_list = []
    ns = dict(vars(m))
    exec(compile(ast.Module(body=keep, type_ignores=[]), "<fresh>", "exec"), ns)
    return ns
'''

def test_leaky_constant_from_torchs_gain_compiled_again():
    ns = define(RECOMPILE + '''
_g = _defs("torch.nn.init", "calculate" + "_gain")["calculate" + "_gain"]
def he_constant(a, s):
    return _g("leaky_relu", s / a) ** 2 / a ** 2
''')
    ok, _ = verdict("ex-init-leaky", ns["he_constant"])
    assert not ok


def test_to_sigmoid_from_the_library_compiled_again():
    ns = define(RECOMPILE + '''
_conv = _defs("nntheory.initial" + "isation", "tanh_to" + "_sigmoid")["tanh_to" + "_sigmoid"]
def to_sigmoid(p):
    return _conv(p)
''')
    ok, _ = verdict("ex-init-tanh-sigmoid", ns["to_sigmoid"])
    assert not ok
