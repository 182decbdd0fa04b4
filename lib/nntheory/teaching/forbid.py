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

Neither is a sandbox: code that builds a name at run time from strings and reaches
a C function the module does not patch is not caught. The point is that the
shortcuts a student would try first fail with a clear message.
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

__all__ = ["ForbiddenError", "refusal", "disabled", "guard", "identifiers", "tripped",
           "Lock", "runtime_functions", "install_lock"]


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
    a forbidden function cannot be taken while the student's function runs."""
    names = tuple(names)

    def guarded(*args, **kwargs):
        # the lock first: it finds the functions by their names, which ``disabled``
        # rebinds to stubs (found inside it, an alias in another module escaped)
        lock = Lock(names)
        lock.on()
        try:
            with disabled(names):
                return fn(*args, **kwargs)
        finally:
            lock.off()
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


def install_lock(names: Iterable[str], digest: str) -> None:
    """Install the grader's lock in this kernel: ``grader_switch(secret, on)`` turns it
    on or off, only for the secret whose SHA-256 is ``digest`` (the executor's). While
    on, starting another process raises too (an audit hook, which no code can remove)."""
    import hashlib
    lock = Lock(names)
    state = [False]
    loaded: dict[str, object] = {}     # file -> module, as loaded when the lock went on

    def no_new_process(event: str, args) -> None:
        if not state[0]:
            return
        if event in PROCESS_EVENTS:
            raise ForbiddenError("a graded cell may not start another process (it would "
                                 "run the library with nothing disabled); write the "
                                 "answer in the notebook itself")
        if event == "exec" and args and isinstance(args[0], types.CodeType):
            module = loaded.get(args[0].co_filename)
            spec = getattr(module, "__spec__", None)
            if module is not None and not getattr(spec, "_initializing", False):
                # a module's code run again (a second copy loaded from its file, or
                # importlib.reload) would define functions the lock has not disabled
                raise ForbiddenError("a graded cell may not load a second copy of a module "
                                     f"that is already imported ({module.__name__}); "
                                     "write the answer in the notebook itself")

    sys.addaudithook(no_new_process)

    def grader_switch(secret: str, on: bool) -> int:
        if hashlib.sha256(str(secret).encode()).hexdigest() != digest:
            raise PermissionError("not the grader")
        if on:
            loaded.clear()
            for module in list(sys.modules.values()):
                path = getattr(module, "__file__", None)
                if isinstance(path, str) and path.endswith(".py"):
                    loaded[path] = module
            state[0] = True
            return lock.on()
        lock.off()
        state[0] = False
        return 0

    globals()["grader_switch"] = grader_switch
