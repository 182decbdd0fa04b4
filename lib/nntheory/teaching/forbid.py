"""Implement-it-yourself exercises: what an answer must not use.

An exercise of the registry may declare ``forbid=("nntheory.numpy_core.loss_and_gradients",
"torch.autograd", ...)``: dotted names of a function, a class, a property, a module,
or one of the groups ``"torch.autograd"``, ``"torch.func"``, ``"torch.optim"``,
``"torch.nn"``, ``"scipy.optimize"``. Two things enforce it, in the notebook's check
and in the grader's in-kernel cell alike (both call the registry's verdicts):

* **Source refusal** (:func:`refusal`): the code of the answer is read and refused if
  it names a forbidden thing (its identifier, e.g. ``loss_and_gradients``, ``autograd``,
  ``Adamax``). For a function answer that is its source (``inspect.getsource``) and
  the source of the notebook's functions it calls, and the names its code uses;
  in a notebook kernel it is also every executed cell the answer depends on (the
  last cell that bound the answer's variable, then the cells that bound the names
  that cell reads, and so on back), so ``n = npc.MLP(widths).n_parameters`` in
  another cell is found too.
* **Disabled while the answer runs** (:func:`disabled`, :func:`guard`): while the
  check calls the student's function, each forbidden callable raises
  :class:`ForbiddenError` ("this exercise asks you to write it yourself;
  `loss_and_gradients` is disabled here"); a function's code object is swapped
  too, so a reference taken earlier (``lg = npc.loss_and_gradients``) is disabled
  as well. Everything is restored when the call returns.

While a function answer runs (and, in the grader, while any cell the student wrote
runs), a process-wide audit hook (PEP 578, :func:`_make_hook`) holds the lock and the
originals it saved, out of reach of frames and closures, and refuses what would reach
or rebuild them, each with a message ending in :data:`LOCKED`: reading the source of a
module that holds a forbidden function (``open``, ``linecache``, ``inspect``, a link to
the file), running its code again or code compiled under a library's file name, making a
function from a forbidden function's code (or the same code compiled again), ``gc``'s
object lists, frames, ``ctypes`` and new processes. In the student's own kernel, where
the cells run unlocked, the source refusal also refuses a *copy* of a forbidden function
(the same code in another function object) that the answer reaches.

None of this is a sandbox: code that builds a name at run time from strings and reaches
a C function the module does not patch is not caught, nor a forbidden function's source
pasted by hand with its local names changed. The point is that the shortcuts a student
would try first fail with a clear message.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import functools
import importlib
import importlib.util
import inspect
import io
import sys
import tokenize
import types
from collections.abc import Callable, Iterable

__all__ = ["ForbiddenError", "SourceLocked", "refusal", "disabled", "guard", "identifiers",
           "tripped", "Lock", "runtime_functions", "install_lock", "grader_level", "LOCKED"]


class ForbiddenError(RuntimeError):
    """A forbidden function was called while a check ran the student's code. Each
    one is also remembered (:func:`tripped`), so that a student's ``try``/``except``
    that swallows it does not hide it from the check."""

    def __init__(self, message: str):
        super().__init__(message)
        _TRIPPED.append(message)


_TRIPPED: list[str] = []


def tripped(clear: bool = False) -> list[str]:
    """The messages of the forbidden calls since the last ``tripped(clear=True)``."""
    out = list(_TRIPPED)
    if clear:
        _TRIPPED.clear()
    return out


def _message(what: str) -> str:
    return f"this exercise asks you to write it yourself; `{what}` is disabled here"


#: Groups: name -> (how to find the callables to disable, identifiers refused in source).
_GROUPS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "torch.autograd": (("torch.autograd.grad", "torch.autograd.backward",
                        "torch.Tensor.backward", "torch.autograd.functional.jacobian",
                        "torch.autograd.functional.hessian", "torch.autograd.functional.vjp",
                        "torch.autograd.functional.jvp", "torch.autograd.functional.hvp",
                        "torch.autograd.functional.vhp",
                        # forward mode, and the C engine that backward() itself calls
                        "torch.autograd.forward_ad.make_dual",
                        "torch.autograd.forward_ad.unpack_dual",
                        "torch.autograd.variable.Variable._execution_engine",
                        "torch._C._EngineBase.run_backward"),
                       ("autograd", "backward", "requires_grad", "requires_grad_",
                        "forward_ad", "make_dual", "unpack_dual", "_execution_engine",
                        "run_backward")),
    "torch.func": (("torch.func.grad", "torch.func.grad_and_value", "torch.func.vjp",
                    "torch.func.jvp", "torch.func.jacrev", "torch.func.jacfwd",
                    "torch.func.hessian", "torch.func.vmap"),
                   ("func", "functorch")),
    "torch.optim": ((), ("optim",)),       # every optimiser: see _optim_targets
    "torch.nn": ((), ("nn",)),             # torch.nn.Module.__init__
    "scipy.optimize": ((), ("optimize",)),  # every public function of the module
}


#: The registry's own helpers (every check of every exercise forbids them): the private
#: functions of :mod:`nntheory.teaching.exercises` compute expected values from data,
#: and its try counter must not be reset from the notebook.
REGISTRY_INTERNALS = "nntheory.teaching.exercises:private"


def _registry_modules() -> list[types.ModuleType]:
    """The registry and its exercise bank (one module per group of chapters), and the
    same modules of the grader's private copy of the library (a student's function that
    the grader calls could reach those through its caller's frame)."""
    out = []
    for name, module in list(sys.modules.items()):
        if module is None:
            continue
        top, _, rest = name.partition(".")
        if top == "nntheory" or top.startswith("_nntheory_pristine_"):
            if rest == "teaching.exercises" or rest.startswith("teaching.bank"):
                out.append(module)
    return out


def _registry_private() -> list[tuple[object, str, object, str]]:
    return [(module, attr, value, attr) for module in _registry_modules()
            for attr, value in vars(module).items()
            if attr.startswith("_") and not attr.startswith("__")
            and isinstance(value, types.FunctionType)]


def identifiers(names: Iterable[str]) -> set[str]:
    """The identifiers that source naming ``names`` would contain."""
    out: set[str] = set()
    for name in names:
        if name == REGISTRY_INTERNALS:
            out.update(attr for _, attr, _, _ in _registry_private())
            out.add("_TRIES")
            continue
        out.add(name.rsplit(".", 1)[-1])
        if name in _GROUPS:
            out.update(_GROUPS[name][1])
    return out


# ------------------------------------------------------------------ source refusal


def _is_module(dotted: str) -> bool:
    if dotted in sys.modules:
        return True
    try:
        return importlib.util.find_spec(dotted) is not None
    except (ImportError, ValueError, AttributeError):
        return False


def _used(source: str) -> set[str]:
    """The identifiers ``source`` uses: names, attributes, and what it imports by name
    (importing a module such as ``from nntheory import perceptron`` is not a use; calling
    ``perceptron.margin`` is)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return _tokens(source)
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.ImportFrom):
            # ``from scipy.optimize import linprog`` uses the module ``optimize`` (as
            # ``import scipy.optimize`` does); ``from nntheory import perceptron`` does not
            names.update((node.module or "").split(".")[1:])
            for alias in node.names:
                if not _is_module(f"{node.module}.{alias.name}"):
                    names.add(alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                names.update(alias.name.split(".")[1:])
    return names


def _tokens(source: str) -> set[str]:
    """The NAME tokens of ``source`` (not in comments or strings)."""
    names: set[str] = set()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.NAME:
                names.add(tok.string)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        names.update(w for w in _words(source))
    return names


def _words(source: str) -> list[str]:
    import re
    return re.findall(r"[A-Za-z_][A-Za-z0-9_]*", source)


def _code_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names) | set(code.co_varnames) | set(code.co_freevars)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names


def _user_functions(fn, seen: set[int]) -> list:
    """``fn`` and the functions of the student's notebook (``__main__`` or no module)
    that it reaches through its global names, transitively."""
    out = []
    stack = [fn]
    while stack:
        f = stack.pop()
        f = getattr(f, "__func__", f)
        if id(f) in seen or not isinstance(f, types.FunctionType):
            continue
        seen.add(id(f))
        out.append(f)
        for cell in f.__closure__ or ():
            with contextlib.suppress(ValueError):
                value = cell.cell_contents
                if isinstance(value, types.FunctionType):
                    stack.append(value)
        for name in _code_names(f.__code__):
            value = f.__globals__.get(name)
            if isinstance(value, types.FunctionType) and \
                    getattr(value, "__module__", None) in ("__main__", None, "builtins"):
                stack.append(value)
    return out


def _bound_and_read(source: str) -> tuple[set[str], set[str]] | None:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    bound, read = set(), set()
    first: dict[str, int] = {}          # name -> first line where the cell binds it anew
    augmented = [node for node in ast.walk(tree)
                 if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name)]
    targets = {id(node.target) for node in augmented}

    def binds(name: str, node) -> None:
        bound.add(name)
        line = getattr(node, "lineno", 0)
        first[name] = min(first.get(name, line), line)

    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                read.add(node.id)
            elif id(node) in targets:
                bound.add(node.id)
            else:
                binds(node.id, node)
        elif isinstance(node, ast.arg):
            binds(node.arg, node)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            binds(node.name, node)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                binds((alias.asname or alias.name).split(".")[0], node)
    # a name the cell binds itself is not needed from before it; a name it updates
    # (x += ...) is, unless the cell bound it anew on an earlier line
    updated = {node.target.id for node in augmented
               if not first.get(node.target.id, node.lineno + 1) < node.lineno}
    return bound, (read - bound) | updated


def _history() -> list[str] | None:
    """The cells this kernel has executed, oldest first (``None`` outside IPython)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    ip = get_ipython()
    if ip is None:
        return None
    cells = ip.user_ns.get("In") if isinstance(ip.user_ns.get("In"), list) else None
    if cells is None:
        cells = getattr(getattr(ip, "history_manager", None), "input_hist_raw", None)
    return [c for c in (cells or []) if isinstance(c, str)]


def dependent_cells(variable: str, history: list[str]) -> list[str]:
    """The executed cells the value of ``variable`` depends on: the last cell that
    bound it, then (going back) the last cell before that one that bound each name it
    reads, and so on."""
    needed = {variable}
    found = []
    skip = set(dir(builtins))
    for source in reversed(history):
        parsed = _bound_and_read(source)
        if parsed is None:
            continue
        bound, read = parsed
        hit = needed & bound
        if not hit:
            continue
        found.append(source)
        needed = (needed - bound) | (read - skip)
    return found


_PRINTS: dict[tuple[str, ...], tuple[int, dict]] = {}


def _fingerprint(code: types.CodeType) -> tuple:
    """What a function's code is made of, but its bytecode and line numbers (the same
    source compiled again, e.g. from an ``ast`` that lost its decorators, can differ in
    those): its name, arguments, local and global names, and constants."""
    return (code.co_name, code.co_argcount, code.co_kwonlyargcount, code.co_names,
            code.co_varnames, tuple(c for c in code.co_consts
                                    if type(c) is not types.CodeType))


def _forbidden_prints(names: tuple[str, ...]) -> dict[tuple, str]:
    """The :func:`_fingerprint` of each forbidden Python function -> its label."""
    known = _PRINTS.get(names)
    if known is None or known[0] != len(sys.modules):
        prints = {}
        for fn, label in runtime_functions(names):
            code = fn.__code__
            if code.co_filename.endswith(".py") and not code.co_name.startswith("<"):
                prints[_fingerprint(code)] = \
                    label if label != "the registry's own helpers" else fn.__name__
        known = _PRINTS[names] = (len(sys.modules), prints)
    return known[1]


def _copies(answer, names: tuple[str, ...], limit: int = 5000) -> list[str]:
    """The forbidden functions that ``answer`` reaches a *copy* of (the same code in
    another function object: compiled again from the library's source, or rebuilt from
    its code), through global names and closures, transitively."""
    prints = _forbidden_prints(names)
    if not prints:
        return []
    found: list[str] = []
    seen: set[int] = set()
    stack = [answer]
    while stack and len(seen) < limit:
        item = stack.pop()
        stack_f = getattr(item, "__func__", item)
        if id(stack_f) in seen or not isinstance(stack_f, types.FunctionType):
            continue
        seen.add(id(stack_f))
        code = stack_f.__code__
        module = getattr(stack_f, "__module__", None)
        original = getattr(sys.modules.get(module), getattr(stack_f, "__name__", ""), None) \
            if isinstance(module, str) else None
        if module not in ("__main__", None, "builtins") and original is stack_f:
            continue                    # the library's own function: the lock handles it
        label = prints.get(_fingerprint(code))
        if label is not None and label not in found:
            found.append(label)
        for cell in stack_f.__closure__ or ():
            with contextlib.suppress(ValueError):
                stack.append(cell.cell_contents)
        for name in _code_names(code):
            value = stack_f.__globals__.get(name)
            if isinstance(value, types.FunctionType):
                stack.append(value)
    return found


def refusal(answer, names: Iterable[str], variable: str | None = None,
            history: list[str] | None = None) -> str | None:
    """Why the answer's code is refused (it names something of ``names``), or ``None``.

    ``variable`` is the notebook variable that holds the answer; ``history`` the
    executed cells (default: this IPython kernel's, when there is one).
    """
    names = tuple(names)
    if not names:
        return None
    refused = identifiers(names)
    seen_names: set[str] = set()
    if callable(answer):
        for fn in _user_functions(answer, set()):
            seen_names |= _code_names(fn.__code__)
            try:
                seen_names |= _used(inspect.getsource(fn))
            except (OSError, TypeError):
                pass
    if history is None:
        history = _history()
    if variable and history:
        for source in dependent_cells(variable, history):
            seen_names |= _used(source)
    if callable(answer):
        copied = _copies(answer, names)
        if copied:
            return ("this exercise asks you to write it yourself; your code uses a copy of "
                    + ", ".join(f"`{c}`" for c in copied)
                    + " (its code compiled again), which is not allowed here")
    bad = sorted(refused & seen_names)
    if bad:
        return ("this exercise asks you to write it yourself; your code uses "
                + ", ".join(f"`{b}`" for b in bad) + ", which is not allowed here")
    return None


# ------------------------------------------------------------------ disabling at run time


def _resolve(dotted: str):
    """``(owner, attribute, value)`` for a dotted name, importing what it needs;
    ``None`` when it does not exist (torch missing, an older version)."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        owner = None
        try:
            for attr in parts[cut:]:
                owner = obj
                obj = inspect.getattr_static(obj, attr) if isinstance(obj, type) \
                    else getattr(obj, attr)
        except AttributeError:
            return None
        if owner is None:          # the name is a module
            parent = ".".join(parts[:-1])
            if not parent:
                return None
            owner = importlib.import_module(parent)
        return owner, parts[-1], obj
    return None


@functools.cache
def _stub_code(label: str, free: int = 0) -> types.CodeType:
    """The code of a function that raises :class:`ForbiddenError` (of this module, by its
    name: a private copy of the module raises its own), with ``free`` free variables so
    that it can replace the code of a closure with as many."""
    names = [f"_free{i}" for i in range(free)]
    raise_line = (f"raise __import__({__name__!r}, fromlist=['ForbiddenError'])"
                  f".ForbiddenError({_message(label)!r})")
    if names:
        source = ("def _outer():\n"
                  f"    {' = '.join(names)} = None\n"
                  "    def _disabled(*args, **kwargs):\n"
                  f"        ({', '.join(names)},)\n"
                  f"        {raise_line}\n"
                  "    return _disabled\n")
    else:
        source = f"def _disabled(*args, **kwargs):\n    {raise_line}\n"
    namespace: dict = {}
    exec(compile(source, "<forbidden>", "exec"), namespace)
    fn = namespace["_outer"]() if names else namespace["_disabled"]
    return fn.__code__


def _stub(label: str) -> Callable:
    def disabled(*args, **kwargs):
        raise ForbiddenError(_message(label))
    disabled.__name__ = label
    return disabled


#: How many disabled() blocks are active (their stubs stand where the originals were).
_DISABLED = [0]
_TARGETS: dict[str, list] = {}


def _targets(name: str) -> list[tuple[object, str, object, str]]:
    """``(owner, attribute, original, label)`` of everything ``name`` disables (found
    once per name: the originals, not whatever is patched in at a later call)."""
    if name not in _TARGETS:
        _TARGETS[name] = _find_targets(name)
    return _TARGETS[name]


def _find_targets(name: str) -> list[tuple[object, str, object, str]]:
    label = name.rsplit(".", 1)[-1]
    dotted: list[str] = []
    extra: list[tuple[object, str, object, str]] = []
    if name == REGISTRY_INTERNALS:
        return _registry_private()
    if name in _GROUPS:
        dotted = list(_GROUPS[name][0])
        if name == "torch.optim":
            extra = _optim_targets()
        elif name == "torch.nn":
            found = _resolve("torch.nn.Module.__init__")
            if found:
                extra = [(*found, "torch.nn")]
        elif name == "scipy.optimize":
            extra = _module_functions("scipy.optimize")
    else:
        found = _resolve(name)
        if found is not None:
            owner, attr, value = found
            if isinstance(value, types.ModuleType):
                return _module_functions(name)
            if isinstance(value, type):
                init = value.__dict__.get("__init__")
                return [(value, "__init__", init, label)] if init is not None else []
            return [(owner, attr, value, label)]
    out = []
    for d in dotted:
        found = _resolve(d)
        if found is not None:
            out.append((*found, d.rsplit(".", 1)[-1]))
    return out + extra


def _module_functions(module_name: str):
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return []
    return [(module, attr, value, attr) for attr, value in vars(module).items()
            if not attr.startswith("_") and callable(value)
            and not isinstance(value, types.ModuleType)]


def _optim_targets():
    try:
        import torch.optim as optim
    except ImportError:
        return []
    out = []
    for attr, value in vars(optim).items():
        if isinstance(value, type) and issubclass(value, optim.Optimizer):
            for method in ("__init__", "step"):
                if method in value.__dict__:
                    out.append((value, method, value.__dict__[method], attr))
    for sub in ("adamax", "adam", "adamw", "sgd", "rmsprop", "adagrad", "adadelta", "nadam",
                "radam", "asgd", "rprop", "lbfgs"):
        module = sys.modules.get(f"torch.optim.{sub}")
        fn = getattr(module, sub, None) if module else None
        if callable(fn) and not isinstance(fn, type):
            out.append((module, sub, fn, sub))
    return out


@contextlib.contextmanager
def disabled(names: Iterable[str]):
    """Within the block, everything ``names`` names raises :class:`ForbiddenError`."""
    undo: list[Callable[[], None]] = []
    _DISABLED[0] += 1
    undo.append(lambda: _DISABLED.__setitem__(0, _DISABLED[0] - 1))
    try:
        for name in names:
            for owner, attr, original, label in _targets(name):
                if isinstance(original, property):
                    replacement = property(_stub(label))
                elif isinstance(original, (staticmethod, classmethod)):
                    replacement = type(original)(_stub(label))
                else:
                    replacement = _stub(label)
                try:
                    setattr(owner, attr, replacement)
                except (AttributeError, TypeError):
                    continue
                undo.append(lambda o=owner, a=attr, v=original: setattr(o, a, v))
                fn = original.fget if isinstance(original, property) else original
                fn = getattr(fn, "__func__", fn)
                if isinstance(fn, types.FunctionType) and not fn.__code__.co_freevars:
                    saved = fn.__code__
                    fn.__code__ = _stub_code(label)
                    undo.append(lambda f=fn, c=saved: setattr(f, "__code__", c))
        yield
    finally:
        for step in reversed(undo):
            step()


def guard(fn: Callable, names: Iterable[str]):
    """``fn`` that runs with ``names`` disabled: the callables above, and every Python
    function that :func:`runtime_functions` finds (a :class:`Lock`), so that the code of
    a forbidden function cannot be taken while the student's function runs.

    The lock and the originals it keeps live in this process's audit hook
    (:func:`_make_hook`), not in a frame or a closure that the student's function
    could read: ``guarded`` holds only a token, and while it runs the hook refuses what
    would reach or rebuild the originals (:data:`LOCKED`)."""
    names = tuple(names)

    def guarded(*args, **kwargs):
        with _level(names):
            return fn(*args, **kwargs)
    guarded.__name__ = getattr(fn, "__name__", "answer")
    guarded.__wrapped__ = fn
    return guarded


# ------------------------------------------------------------------ the grader's lock


def _class_functions(cls: type) -> list[types.FunctionType]:
    out = []
    for value in list(vars(cls).values()):
        value = getattr(value, "__func__", value)           # static and class methods
        if isinstance(value, property):
            out += [f for f in (value.fget, value.fset, value.fdel)
                    if isinstance(f, types.FunctionType)]
        elif isinstance(value, types.FunctionType):
            out.append(value)
    return out


def _tree_functions(prefix: str) -> list[types.FunctionType]:
    """Every Python function defined in module ``prefix`` or one of its (imported)
    submodules, the methods of its classes included."""
    with contextlib.suppress(ImportError):
        importlib.import_module(prefix)
    out = []
    for module_name, module in list(sys.modules.items()):
        if module is None or not (module_name == prefix or
                                  module_name.startswith(prefix + ".")):
            continue
        for attr, value in list(vars(module).items()):
            # a module's own __getattr__/__dir__ (PEP 562) are how its attributes are
            # found: locked, every look-up on the module would raise, in any code
            if attr.startswith("__") or isinstance(value, types.ModuleType):
                continue
            try:
                if getattr(value, "__module__", None) != module_name:
                    continue
            except Exception:       # an object whose attributes raise: not a function
                continue
            if isinstance(value, types.FunctionType):
                out.append(value)
            elif isinstance(value, type):
                out += _class_functions(value)
    return out


def _registry_functions() -> list[types.FunctionType]:
    """The registry's private functions and every function its exercises' checks,
    hidden cases and data reach through their closures (the expected values)."""
    try:       # imported now: a cell that imports it while locked finds it locked
        module = importlib.import_module("nntheory.teaching.exercises")
    except ImportError:
        return []
    names = {m.__name__ for m in _registry_modules()} | {module.__name__}
    out = [value for _, _, value, _ in _registry_private()]
    stack = []
    for ex in getattr(module, "REGISTRY", {}).values():
        stack += [ex.check, ex.data, *(case.run for case in ex.hidden)]
    seen: set[int] = set()
    while stack:
        fn = stack.pop()
        if not isinstance(fn, types.FunctionType) or id(fn) in seen or \
                fn.__module__ not in names:
            continue
        seen.add(id(fn))
        out.append(fn)
        for cell in fn.__closure__ or ():
            with contextlib.suppress(ValueError):
                value = cell.cell_contents
                if isinstance(value, types.FunctionType):
                    stack.append(value)
                elif isinstance(value, tuple):
                    stack += [v for item in value for v in
                              (item if isinstance(item, tuple) else (item,))
                              if isinstance(v, types.FunctionType)]
    return out


def runtime_functions(names: Iterable[str]) -> list[tuple[types.FunctionType, str]]:
    """``(function, label)`` for every Python function that ``names`` forbids, found
    now: a function itself; every method of a class; every function of a module and
    its submodules (``torch.optim``: the private helpers such as
    ``_single_tensor_adamax`` too; ``scipy.optimize`` alike); the registry's private
    helpers for :data:`REGISTRY_INTERNALS`."""
    found: dict[int, tuple[types.FunctionType, str]] = {}

    def add(fns, label):
        for fn in fns:
            while isinstance(fn, types.FunctionType):
                found.setdefault(id(fn), (fn, label))
                fn = getattr(fn, "__wrapped__", None)

    for name in names:
        label = name.rsplit(".", 1)[-1]
        if name == REGISTRY_INTERNALS:
            add(_registry_functions(), "the registry's own helpers")
            continue
        if name in ("torch.optim", "scipy.optimize"):
            add(_tree_functions(name), label)
            continue
        if name in _GROUPS:          # torch.autograd, torch.func, torch.nn: their entries
            for _owner, _attr, value, what in _find_targets(name):
                fn = value.fget if isinstance(value, property) else \
                    getattr(value, "__func__", value)
                add([fn], what)
            continue
        target = _resolve(name)
        if target is None:
            continue
        value = target[2]
        if isinstance(value, types.ModuleType):
            add(_tree_functions(value.__name__), label)
        elif isinstance(value, type):
            add(_class_functions(value), label)
        elif isinstance(value, property):
            add([value.fget], label)
        else:
            add([getattr(value, "__func__", value)], label)
    return list(found.values())


_FOUND: dict[tuple[str, ...], tuple[int, list]] = {}


class Lock:
    """While on, every Python function that ``names`` forbids has its code swapped for
    one that raises :class:`ForbiddenError`: the function object is the same, so every
    alias, ``getattr``, ``importlib`` look-up and ``types.FunctionType`` copy made while
    the lock is on runs the raising code. The grader turns it on for the cells a student
    wrote and off for the chapter's own cells (see :mod:`nntheory.teaching.executor`)."""

    def __init__(self, names: Iterable[str]):
        self.names = tuple(names)
        self._saved: dict[int, tuple[types.FunctionType, types.CodeType]] = {}
        self._bound: list[tuple[object, str, object]] = []

    def _compiled_targets(self) -> list[tuple[object, str, object, str]]:
        """Forbidden objects that have no Python code to swap (a C function, the
        autograd engine): while the lock is on, their attribute holds a stub instead."""
        out = []
        for name in self.names:
            if name == REGISTRY_INTERNALS:
                continue
            for owner, attr, original, label in _targets(name):
                if isinstance(original, (types.FunctionType, type, types.ModuleType,
                                         property, staticmethod, classmethod)) \
                        or isinstance(owner, types.ModuleType) and not callable(original):
                    continue
                out.append((owner, attr, original, label))
        return out

    def on(self) -> int:
        known = _FOUND.get(self.names)
        if known is None or known[0] != len(sys.modules):   # again after an import
            scan = (len(sys.modules), runtime_functions(self.names))
            if _DISABLED[0]:
                # inside disabled() the names resolve to its stubs, not the originals:
                # use this scan now, add to what was known, and keep the originals
                known = (known[0] if known else -1,
                         list({id(f): (f, l) for f, l in
                               [*(known[1] if known else []), *scan[1]]}.values()))
            else:
                known = _FOUND[self.names] = scan
        for fn, label in known[1]:
            if id(fn) in self._saved:
                continue
            code = fn.__code__
            try:
                fn.__code__ = _stub_code(label, len(code.co_freevars))
            except (ValueError, TypeError, AttributeError):
                continue
            self._saved[id(fn)] = (fn, code)
        if not self._bound:
            for owner, attr, original, label in self._compiled_targets():
                try:
                    setattr(owner, attr, _stub(label))
                except (AttributeError, TypeError):
                    continue
                self._bound.append((owner, attr, original))
        return len(self._saved) + len(self._bound)

    def off(self) -> None:
        for fn, code in self._saved.values():
            fn.__code__ = code
        self._saved.clear()
        for owner, attr, original in reversed(self._bound):
            setattr(owner, attr, original)
        self._bound.clear()


#: Audit events (PEP 578) that start another process. While the grader's lock is on, a
#: cell the student wrote may not start one: a second Python would import the library
#: with nothing disabled (``subprocess.run([sys.executable, "-c", ...])``).
PROCESS_EVENTS = frozenset({"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn",
                            "os.spawn", "os.fork", "os.forkpty", "pty.spawn",
                            "os.startfile"})

#: How every refusal of the audit hook ends.
LOCKED = "not allowed while the grader's lock is on"

#: Events that hand out the interpreter's frames (from a frame, ``f_locals`` and
#: ``f_back`` reach every caller's variables: the lock's token, the grader's state).
_FRAME_EVENTS = frozenset({"sys._getframe", "sys._current_frames", "sys.settrace",
                           "sys.setprofile", "sys._current_exceptions"})
_FRAME_ATTRS = frozenset({"tb_frame", "gi_frame", "cr_frame", "ag_frame", "f_back"})
#: Events that reach any object of the process (the lock's saved originals among them).
_GC_EVENTS = frozenset({"gc.get_objects", "gc.get_referrers", "gc.get_referents"})
#: Foreign calls and raw memory: they would read the originals or a source file without
#: any event.
_CTYPES_EVENTS = frozenset({"ctypes.dlopen", "ctypes.dlsym", "ctypes.dlsym/handle",
                            "ctypes.cdata", "ctypes.cdata/buffer", "ctypes.string_at",
                            "ctypes.wstring_at", "ctypes.call_function"})
#: Library code that hands frames (or a frame's variables) back to its caller: a whole
#: file (``"/stack_data/"``, ``"/pdb.py"``) or one function of a file. Called while a
#: cell's code is on the stack, its frame reads are refused too. Other library code may
#: read frames for itself (``collections.namedtuple``, ``typing``, scipy's
#: ``_make_tuple_bunch``, ``traceback.format_stack`` in torch's imports).
_FRAME_GIVERS = ("/IPython/utils/frame.py", "/IPython/core/ultratb.py", "/stack_data/",
                 "/executing/", "/pdb.py", "/bdb.py", "/cgitb.py", "/threading.py",
                 ("/inspect.py", "currentframe"), ("/inspect.py", "stack"),
                 ("/inspect.py", "trace"), ("/inspect.py", "getouterframes"),
                 ("/inspect.py", "getinnerframes"), ("/traceback.py", "walk_stack"),
                 ("/traceback.py", "walk_tb"),
                 ("/traceback.py", "_walk_tb_with_full_positions"),
                 ("/logging/__init__.py", "currentframe"),
                 ("/logging/__init__.py", "<lambda>"))
_EVENT = "nntheory.forbid"
#: ``sys.audit`` as it was when this module was imported (before any cell a student wrote).
_AUDIT = sys.audit
_HOOK_MARK = "_nntheory_forbid_hook"


class SourceLocked(ForbiddenError, PermissionError):
    """Reading the source of a module that holds a locked function, while a lock is on.
    A ``PermissionError`` too, so that ``linecache`` (tracebacks, warnings) shows the line
    as missing instead of failing."""


def genuine_audit(audit=None) -> bool:
    """Whether ``audit`` (default: this module's) is the interpreter's ``sys.audit``,
    checked with the real ``type`` (reached from a literal, not from ``builtins``)."""
    audit = _AUDIT if audit is None else audit
    real_type = ().__class__.__class__
    try:
        return (real_type(audit) is real_type([].append) and audit.__name__ == "audit"
                and real_type(audit.__self__) is real_type(sys)
                and audit.__self__.__name__ == "sys")
    except Exception:       # noqa: BLE001 - a replaced object may raise anything
        return False


def _nested(code: types.CodeType):
    stack = [code]
    while stack:
        c = stack.pop()
        yield c
        stack += [k for k in c.co_consts if type(k) is types.CodeType]


def _trusted_roots() -> tuple[str, ...]:
    import os
    import site
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    with contextlib.suppress(Exception):
        roots.update(site.getsitepackages())
    here = sys.modules.get(__name__)
    package = getattr(sys.modules.get(__name__.split(".")[0]), "__file__", None)
    for path in (getattr(here, "__file__", None), package):
        if path:
            roots.add(os.path.dirname(os.path.dirname(os.path.abspath(path))))
    return tuple(os.path.realpath(r) + os.sep for r in roots if r)


def _make_hook():
    """The audit hook (PEP 578) that holds every lock level: its state lives only in
    this closure, which no cell can reach while a level is on (frames and ``gc`` are
    refused then). Controlled by ``sys.audit("nntheory.forbid", op, arg, extra, box)``:

    * ``push``/``pop`` (token, names): a level that disables ``names`` (a
      :class:`Lock` and :func:`disabled`) until the same token pops it;
    * ``grader-install`` (names, digest), once; ``grader-on``/``grader-off`` (secret,
      next digest): the grader's level around a cell the student wrote, switched only
      with the secret whose SHA-256 is the current digest (each secret is used once);
      ``grader-push`` (token): the grader's names as a level of their own.

    While any level is on, the hook refuses (:data:`LOCKED`): starting a process; running
    again the code of an imported module; reading the source (``.py``/``.pyc``) of a
    module that holds a locked function, by any path; making a function or a code object
    from, or setting ``__code__`` to, a locked function's original code (or the same
    code compiled again); ``gc``'s object lists; frames (unless no cell's code is on the
    stack: a traceback shown after a cell failed); ``ctypes``; new audit hooks."""
    import hashlib
    import linecache
    import os

    levels: list[tuple[object, list]] = []          # (token, undo steps)
    grader = {"names": None, "digest": None}
    codes: dict[int, types.CodeType] = {}            # saved originals (kept alive)
    prints: set[tuple] = set()
    named: set[tuple] = set()                        # (co_name, co_code) of those
    files: set[str] = set()                          # paths of protected sources
    inodes: set[tuple[int, int]] = set()
    stat_cache: dict[str, tuple[int, int] | None] = {}
    targets_store: dict = {}
    flags = {"walking": False, "restoring": False, "setting": False}
    library_cache: dict[str, bool] = {}
    roots = _trusted_roots()

    def refuse(what: str):
        raise ForbiddenError(f"{what} is {LOCKED}")

    def inode(path) -> tuple[int, int] | None:
        try:
            st = os.fstat(path) if type(path) is int else os.stat(path)
        except (OSError, ValueError, TypeError):
            return None
        return st.st_dev, st.st_ino

    def protect_file(path: str) -> None:
        if not path or path.startswith("<") or path in files:
            return
        files.add(path)
        candidates = [path]
        with contextlib.suppress(Exception):
            candidates.append(importlib.util.cache_from_source(path))
        for p in candidates:
            if p not in stat_cache:
                stat_cache[p] = inode(p)
            if stat_cache[p] is not None:
                inodes.add(stat_cache[p])

    def protect(saved: Iterable[types.CodeType]) -> None:
        for code in saved:
            if type(code) is not types.CodeType or id(code) in codes or \
                    code.co_filename == "<forbidden>":
                continue
            codes[id(code)] = code
            if not code.co_filename.endswith(".py"):
                continue        # generated code (a namedtuple's __new__): shared by many
            for c in _nested(code):
                if not c.co_name.startswith("<"):      # not a lambda, a comprehension
                    prints.add(_fingerprint(c))
                    named.add((c.co_name, c.co_code))
            protect_file(code.co_filename)

    def module_of(path: str) -> str:
        for name, module in list(sys.modules.items()):
            if module_file(module) == path:
                return name
        return path

    def snapshot() -> None:
        for module in _registry_modules():
            protect_file(getattr(module, "__file__", None) or "")
        for path in list(files):
            linecache.cache.pop(path, None)

    def library_file(name) -> bool:
        """Whether code of file ``name`` is the interpreter's or an installed library's."""
        if type(name) is not str:
            return False
        known = library_cache.get(name)
        if known is None:
            known = name.startswith("<frozen ") or \
                (not name.startswith("<") and os.path.realpath(name).startswith(roots))
            library_cache[name] = known
        return known

    def initializing(name: str) -> bool:
        """Whether a module of file ``name`` is being imported now (its first import)."""
        if name.startswith("<frozen ") and name.endswith(">"):
            module = sys.modules.get(name[len("<frozen "):-1])
            return bool(getattr(getattr(module, "__spec__", None), "_initializing", False))
        for module in list(sys.modules.values()):
            if module_file(module) == name:
                spec = module_dict(module).get("__spec__")
                return bool(getattr(spec, "_initializing", False))
        return False

    def module_dict(module) -> dict:
        try:
            return object.__getattribute__(module, "__dict__")
        except Exception:        # noqa: BLE001 - not a module
            return {}

    def module_file(module):
        """A module's ``__file__`` without its ``__getattr__`` (PEP 562: it may import)."""
        return module_dict(module).get("__file__")

    def caller(depth: int = 3) -> types.FrameType:
        """The frame that raised the event (``depth``: frames between it and here)."""
        flags["walking"] = True
        try:
            return sys._getframe(depth)
        finally:
            flags["walking"] = False

    def student_on_stack(frame) -> bool:
        """Whether code that is no library file's (a cell's) is on the stack."""
        while frame is not None:
            if not library_file(frame.f_code.co_filename):
                return True
            frame = frame.f_back
        return False

    def frames_refused(event: str) -> bool:
        frame = caller()
        if event in ("sys.settrace", "sys.setprofile"):
            return student_on_stack(frame)
        name = frame.f_code.co_filename
        if not library_file(name):
            return True
        if not gives(frame):
            return False
        if frame.f_code.co_name.startswith("_walk") or \
                frame.f_code.co_name in ("walk_stack", "walk_tb"):
            return student_on_stack(frame)      # generators: their consumer is no caller
        while frame is not None and gives(frame):
            frame = frame.f_back
        # library code that asked for a frame for itself (torch's imports call
        # inspect.currentframe) is not refused; a cell that asked for one is
        return frame is not None and not library_file(frame.f_code.co_filename)

    def gives(frame) -> bool:
        name, function = frame.f_code.co_filename.replace(os.sep, "/"), frame.f_code.co_name
        for giver in _FRAME_GIVERS:
            if isinstance(giver, tuple):
                if name.endswith(giver[0]) and function == giver[1]:
                    return True
            elif giver in name if giver.endswith("/") else name.endswith(giver):
                return True
        return False

    def is_protected(code) -> bool:
        if type(code) is not types.CodeType or code.co_filename == "<forbidden>":
            return False
        if id(code) in codes or code.co_filename in files:
            return True
        return any(_fingerprint(c) in prints for c in _nested(code))

    def push(token, names, attributes: bool = True) -> None:
        """A level: a :class:`Lock` on ``names`` and, with ``attributes``, also
        :func:`disabled` (the check's: the grader's cells run with the lock alone)."""
        module = sys.modules.get(__name__)
        store = getattr(module, "_TARGETS", None)
        first = not levels
        undo: list = []
        levels.append((token, undo))
        try:
            if first:
                snapshot()
            if isinstance(store, dict):
                store.update(targets_store)
            lock = Lock(names)
            cm = disabled(names) if attributes else None
            flags["setting"] = True        # the lock's own swaps: no check per function
            try:
                lock.on()
                undo.append(lock.off)
                if cm is not None:
                    cm.__enter__()
                    undo.append(lambda: cm.__exit__(None, None, None))
            finally:
                flags["setting"] = False
            protect(code for _, code in lock._saved.values())
        except BaseException:
            pop(token)
            raise
        finally:
            if isinstance(store, dict):
                targets_store.update(store)
                store.clear()

    def pop(token) -> None:
        if not levels or levels[-1][0] is not token:
            refuse("turning a lock off from code it runs")
        _, undo = levels.pop()
        flags["restoring"] = True
        try:
            for step in reversed(undo):
                step()
        finally:
            flags["restoring"] = False

    def control(args) -> None:
        op, arg, extra, box = (list(args) + [None] * 4)[:4]
        if op == "push":
            push(arg, tuple(extra or ()))
        elif op == "pop":
            pop(arg)
        elif op == "grader-install":
            if grader["digest"] is not None:
                refuse("installing the grader's lock twice")
            grader["names"], grader["digest"] = tuple(arg), str(extra)
        elif op in ("grader-on", "grader-off", "grader-push"):
            if grader["digest"] is None:
                refuse("the grader's lock before it is installed")
            if op == "grader-push":
                push(arg, grader["names"], attributes=False)
            else:
                if hashlib.sha256(str(arg).encode()).hexdigest() != grader["digest"]:
                    raise PermissionError("not the grader")
                if extra is not None:        # the executor always sets the next one
                    grader["digest"] = str(extra)
                if op == "grader-on":
                    if levels:
                        refuse("turning the grader's lock on twice")
                    push(object(), grader["names"], attributes=False)
                else:
                    while levels:
                        pop(levels[-1][0])
        else:
            return
        if isinstance(box, list):
            box.append(True)

    def hook(event: str, args) -> None:
        if event == _EVENT:
            control(args)
            return
        if not levels or flags["restoring"]:
            return
        if flags["setting"] and event in ("object.__setattr__", "object.__getattr__"):
            return
        if flags["walking"] and event == "sys._getframe":
            return
        if event in PROCESS_EVENTS:
            raise ForbiddenError("a graded cell may not start another process (it would "
                                 "run the library with nothing disabled); write the "
                                 f"answer in the notebook itself ({LOCKED})")
        if event == "open":
            path = args[0] if args else None
            if type(path) in (str, bytes, int) and inodes:
                found = inode(path)
                if found is not None and found in inodes:
                    raise SourceLocked("reading the source of a module that holds a "
                                       f"forbidden function is {LOCKED}; write the answer "
                                       "in the notebook itself")
            return
        if event == "exec":
            code = args[0] if args else None
            if type(code) is types.CodeType:
                if library_file(code.co_filename):
                    if initializing(code.co_filename):
                        return          # a first import (vendored copies share code)
                    # a module's code run again (a second copy loaded from its file, or
                    # importlib.reload) would define functions the lock has not disabled;
                    # code compiled under a library's file name would pass for its code
                    raise ForbiddenError("a graded cell may not load a second copy of a "
                                         "module that is already imported, nor run code "
                                         "under a library's file name "
                                         f"({module_of(code.co_filename)})"
                                         f"; write the answer in the notebook itself "
                                         f"({LOCKED})")
                if is_protected(code):
                    refuse("running the code of a forbidden function compiled again")
            return
        if event == "compile":
            # a cell's code under a library's file name would pass for library code
            # (tracebacks parse library files with ast: library code may)
            if len(args) >= 2 and library_file(args[1]) and not initializing(args[1]) \
                    and not library_file(caller(2).f_code.co_filename):
                refuse("compiling code under a library's file name")
            return
        if event == "function.__new__":
            if args and is_protected(args[0]):
                refuse("making a function from a forbidden function's code")
            if args and type(args[0]) is types.CodeType \
                    and library_file(args[0].co_filename) \
                    and not library_file(caller(2).f_code.co_filename):
                refuse("making a function from a library's code")
            return
        if event == "code.__new__":
            if len(args) >= 3 and (args[1] in files or
                                   (args[2], args[0]) in named):
                refuse("copying a forbidden function's code")
            return
        if event == "object.__setattr__":
            if len(args) >= 3 and type(args[1]) is str and args[1] == "__code__" \
                    and is_protected(args[2]):
                refuse("setting a function's code to a forbidden function's code")
            return
        if event == "marshal.dumps":
            if args and is_protected(args[0]):
                refuse("serialising a forbidden function's code")
            return
        if event in _GC_EVENTS:
            refuse(f"`{event}`")
        if event in _CTYPES_EVENTS:
            # a library's own use (an import loading its shared library) is not refused;
            # what counts is the first caller outside ctypes itself
            frame = caller(2)
            while frame is not None and "/ctypes/" in \
                    frame.f_code.co_filename.replace(os.sep, "/"):
                frame = frame.f_back
            if frame is None or not library_file(frame.f_code.co_filename):
                refuse(f"`{event.split('/')[0]}`")
            return
        if event == "sys.addaudithook":
            refuse("adding an audit hook")
        if event in _FRAME_EVENTS or event == "object.__getattr__" and len(args) >= 2 \
                and type(args[1]) is str and args[1] in _FRAME_ATTRS:
            if frames_refused(event):
                refuse("reading the interpreter's frames")

    return hook


def _ensure_hook() -> None:
    """Install the audit hook once per process (no code can remove it)."""
    if _HOOK_MARK in sys.modules:
        return
    sys.modules[_HOOK_MARK] = types.ModuleType(_HOOK_MARK)
    sys.addaudithook(_make_hook())


@contextlib.contextmanager
def _level(names: tuple[str, ...]):
    """A lock level of the audit hook for ``names`` while the block runs."""
    _ensure_hook()
    if not genuine_audit():
        raise ForbiddenError("`sys.audit` was replaced: the lock cannot be switched")
    token, box = object(), []
    _AUDIT(_EVENT, "push", token, names, box)
    if not box:
        raise ForbiddenError("the lock did not answer (its audit hook is missing)")
    try:
        yield
    finally:
        _AUDIT(_EVENT, "pop", token, None, [])


@contextlib.contextmanager
def grader_level():
    """The grader's names locked while the block runs (after :func:`install_lock`): the
    grader calls a student's function inside it."""
    if not genuine_audit():
        raise ForbiddenError("`sys.audit` was replaced: the grader's lock cannot be switched")
    token, box = object(), []
    _AUDIT(_EVENT, "grader-push", token, None, box)
    if not box:
        raise ForbiddenError("the grader's lock did not answer")
    try:
        yield
    finally:
        _AUDIT(_EVENT, "pop", token, None, [])


def install_lock(names: Iterable[str], digest: str) -> None:
    """Install the grader's lock in this kernel: ``grader_switch(secret, on, next_digest,
    audit)`` turns it on or off, only for the secret whose SHA-256 is the current digest
    (the executor's), and sets the digest of the next secret (each secret works once: one
    read from a cell's source is spent already). The lock lives in the audit hook
    (:func:`_make_hook`), which no code can remove; while it is on, every refusal of the
    hook applies, starting another process among them."""
    _ensure_hook()
    box: list = []
    _AUDIT(_EVENT, "grader-install", tuple(names), digest, box)
    if not box:
        raise ForbiddenError("the grader's lock did not answer")

    def grader_switch(secret: str, on: bool, next_digest: str | None = None,
                      audit=None) -> bool:
        answered: list = []
        (audit or _AUDIT)("nntheory.forbid", "grader-on" if on else "grader-off",
                          str(secret), next_digest, answered)
        if not answered:
            raise PermissionError("the grader's lock did not answer")
        return True

    globals()["grader_switch"] = grader_switch
