"""Homework that measures the student's own work (issue 23): the shortcuts a lazy but
clever student tries, each of which must fail.

* **registry reading**: no attribute of an exercise, no function of the registry
  callable without arguments, nothing reachable through the checks' closures
  returns an expected value;
* **bisection and guessing**: a wrong number is told "not correct" whatever side of
  the answer it is on; small whole numbers cannot be tried one by one;
* **forbidden functions** (the shortcuts the issue lists): the library function the
  chapter has just shown, torch autograd, torch.optim, named in the student's code
  or reached at run time;
* **variants**: the key selects the data, a copied answer of another variant is
  wrong, the key cell reads back; **written answers**: the student copy's tagged
  answer cell; and a real chapter end to end in a kernel (student copy -> check).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import types
from contextlib import redirect_stdout
from pathlib import Path

import nbclient
import nbformat
import numpy as np
import pytest
from exercise_helpers import define as _define
from exercise_helpers import fresh_kernel  # noqa: F401 (fresh_kernel: the autouse fixture)

from nntheory.teaching import assign, checks, exercises, forbid, student, variants

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "book" / "chapters"


def run(fn, *args):
    buf = io.StringIO()
    with redirect_stdout(buf):
        result = fn(*args)
    return result, buf.getvalue()


def _bp_scalar_answer(x, y, w1, b1, w2, b2):
    """dL/dw1 (what the feedback must never show)."""
    return _tiny_grad(x, y, w1, b1, w2, b2)[0]


def _tiny_grad(x, y, w1, b1, w2, b2):
    """ex-bp-scalar's answer: the four partials of (w2 tanh(w1 x + b1) + b2 - y)^2."""
    a = math.tanh(w1 * x + b1)
    r = 2 * (w2 * a + b2 - y)
    return [r * w2 * (1 - a * a) * x, r * w2 * (1 - a * a), r * a, r]


def known_answers() -> dict[str, object]:
    """Answers of value exercises, computed here from their definitions."""
    from nntheory import separability
    return {
        "ex-bp-count": 64 * 4 + 64 * 65 + 10 * 65,
        "ex-bp-scalar": _tiny_grad(2.0, 1.0, 0.5, -0.2, 1.5, 0.1),   # on variant 0's data
        "ex-gen-vc": 1 + math.comb(4, 2) * math.comb(5, 2),   # rectangles on the 3 x 4 grid
        # chapter 2, variant 0: the prefix counts of the 4 x 4 grid (test_exercises_ch01_02)
        "ex-xor-count": [2, 4, 6, 8, 16, 26, 36, 46, 58, 72, 86, 100, 116, 136, 156, 174],
        "ex-space-graded": 2.4,        # 12/5 on variant 0 (gamma = 1/3, p = 2)
        # the l1 ball's complexity on variant 0 (tests/test_exercises_ch10.py)
        "ex-gen-rademacher": 0.5 * np.mean(np.abs(
            np.array(list(itertools.product((-1, 1), repeat=4)))
            @ np.array([[1.0, 0, 2], [2, -1, 0], [0, 1, 1], [-1, 2, 1]])).max(axis=1)),
        # preconditioned descent, variant 0 (tests/test_exercises_ch10.py)
        "ex-gen-implicit": np.array([1.4, 0.6, 1.4]),
        "ex-xor-count-general": separability.cover_count(4, 2),
    }


# ------------------------------------------------------------------ registry reading


def _equal(value, target) -> bool:
    try:
        a = np.asarray(value, dtype=float)
        b = np.asarray(target, dtype=float)
    except (TypeError, ValueError):
        return False
    return a.shape == b.shape and a.size > 0 and bool(
        np.allclose(a, b, rtol=1e-9, atol=1e-12))


def _zero_arg_callables(root, depth=4, seen=None):
    """Callables reachable from ``root`` through attributes and closures that take no
    argument (what a probe would try to call)."""
    seen = set() if seen is None else seen
    if id(root) in seen or depth < 0:
        return
    seen.add(id(root))
    children = []
    if isinstance(root, types.FunctionType):
        children += [c.cell_contents for c in root.__closure__ or ()
                     if _has_contents(c)]
        children += list(root.__defaults__ or ())
    elif isinstance(root, (tuple, list)):
        children += list(root)
    elif isinstance(root, exercises.Exercise | exercises.HiddenCase):
        children += [getattr(root, name) for name in dir(root)
                     if not name.startswith("__")]
    for child in children:
        if callable(child) and not isinstance(child, type):
            try:
                import inspect
                sig = inspect.signature(child)
                required = [p for p in sig.parameters.values()
                            if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY,
                                                                    p.POSITIONAL_OR_KEYWORD)]
                if not required:
                    yield child
            except (TypeError, ValueError):
                pass
        yield from _zero_arg_callables(child, depth - 1, seen)


def _has_contents(cell) -> bool:
    try:
        _ = cell.cell_contents
    except ValueError:
        return False
    return True


def test_no_attribute_of_the_registry_hands_out_an_expected_value():
    answers = known_answers()
    for ex in exercises.REGISTRY.values():
        assert not hasattr(ex, "expected_value") and not hasattr(ex, "expected")
        if ex.label in answers:
            for name, value in vars(ex).items():       # every field
                assert not _equal(value, answers[ex.label]), (ex.label, name, value)
    # small whole numbers (6, 8) match too many innocent values: the probe below looks
    # for the others
    answers = {k: v for k, v in answers.items()
               if not (np.ndim(v) == 0 and float(v).is_integer() and abs(v) < 20)}
    probed = 0
    roots = [*exercises.REGISTRY.values(),
             *(v for k, v in vars(exercises).items() if isinstance(v, types.FunctionType))]
    for root in roots:
        if isinstance(root, types.FunctionType):
            candidates = [root] if not [p for p in _required(root)] else []
            candidates += list(_zero_arg_callables(root))
        else:
            candidates = list(_zero_arg_callables(root))
        for fn in candidates:
            if getattr(fn, "__name__", "") in ("clear", "tripped"):
                continue
            try:
                value = fn()
            except Exception:
                continue
            probed += 1
            for label, target in answers.items():
                assert not _equal(value, target), (label, fn, value)
    assert probed >= 5      # the probe did call things (data functions, chapters(), ...)


def _required(fn):
    import inspect
    try:
        return [p for p in inspect.signature(fn).parameters.values()
                if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY,
                                                        p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        return [None]


def test_check_number_of_a_registered_exercise_needs_check_exercise():
    with pytest.raises(ValueError, match="check_exercise"):
        checks.check_number(5066, exercise="ex-bp-count")


def test_mistakes_keep_only_their_misconceptions():
    ex = exercises.get("ex-bp-count")
    assert ex.mistakes[0] == "you counted the weights but not the biases"
    assert all(isinstance(m, str) for e in exercises.REGISTRY.values() for m in e.mistakes)


# ------------------------------------------------------------------ bisection, guessing


@pytest.mark.parametrize("label", ["ex-gen-vc", "ex-ua-units",
                                   "ex-depth-product"])
def test_a_wrong_number_gets_the_same_message_on_both_sides(label):
    """Bisection from a bracket of 1e-6 ... 1e6 learns nothing: above and below the
    answer the verdict is the same words."""
    ex = exercises.get(label)
    messages = set()
    for x in np.geomspace(1e-6, 1e6, 25):
        exercises._TRIES.clear()
        ok, message = ex.verdict(float(round(x)) if label == "ex-depth-product" else x)
        assert not ok
        messages.add(message)
    words = " ".join(messages).lower()
    for leak in ("large", "small", "sign", "factor", "magnitude", "close", "order"):
        assert leak not in words, (label, messages)
    assert messages <= {"not correct", "expected a whole number",
                        "the answer should be a whole number"} | set(ex.mistakes), messages


def test_the_recognised_mistakes_are_named():
    widths = (3, 64, 64, 10)      # variant 0: skips two layers up (3 x 64, 64 x 10)
    weights_only = sum(a * b for a, b in zip(widths[:-1], widths[1:], strict=False)) + \
        3 * 64 + 64 * 10
    assert exercises.get("ex-bp-count").verdict(lambda w: weights_only) == (
        False, "you counted the weights but not the biases")
    assert "sign" in exercises.get("ex-bp-scalar").verdict(
        lambda *d: [-v for v in _tiny_grad(*d)])[1]
    assert exercises.get("ex-bp-count").verdict(lambda w: weights_only + 1) == (
        False, "not correct")


@pytest.mark.parametrize("label, answer", [("ex-space-graded", 2.4)])
def test_small_whole_numbers_cannot_be_tried_one_by_one(label, answer):
    ex = exercises.get(label)
    found = [k for k in range(1, 30) if ex.verdict(k)[0]]
    assert found == [], found
    exercises._TRIES.clear()                # a fresh kernel: the answer itself passes
    assert ex.verdict(answer)[0]


def test_answers_with_parts_do_not_say_which_part_is_wrong():
    """(m, N) of ex-depth-layers: a message naming the wrong part would let each part
    be guessed alone; pairs count as tries too."""
    ex = exercises.get("ex-depth-layers")
    messages = {ex.verdict((m, 10))[1] for m in range(1, 5)}
    assert messages == {"not correct"}
    assert "tried" in ex.verdict((5, 10))[1] or len(exercises._TRIES["ex-depth-layers"]) == 5
    for m in range(6, 12):
        ex.verdict((m, 10))
    assert "tried" in ex.verdict((30, 30))[1]


# ------------------------------------------------------------------ forbidden functions


def _right_softplus(params, X, Y):
    W1, b1, W2, b2 = params
    Z1 = X @ W1 + b1
    A1 = np.logaddexp(0.0, Z1)
    out = A1 @ W2 + b2
    G2 = 2 * (out - Y) / out.size
    G1 = (G2 @ W2.T) / (1 + np.exp(-Z1))
    return [X.T @ G1, G1.sum(0), A1.T @ G2, G2.sum(0)]


def test_the_right_softplus_passes_with_everything_forbidden():
    ex = exercises.get("ex-bp-softplus")
    ns = _define("def softplus_gradients(params, X, Y):\n"
                 "    W1, b1, W2, b2 = params\n"
                 "    Z1 = X @ W1 + b1\n"
                 "    A1 = np.logaddexp(0.0, Z1)\n"
                 "    out = A1 @ W2 + b2\n"
                 "    G2 = 2 * (out - Y) / out.size\n"
                 "    G1 = (G2 @ W2.T) / (1 + np.exp(-Z1))\n"
                 "    return [X.T @ G1, G1.sum(0), A1.T @ G2, G2.sum(0)]\n")
    fn = ns["softplus_gradients"]
    assert ex.verdict(fn)[0] and all(case.run(fn)[0] for case in ex.hidden)


SOFTPLUS_SHORTCUTS = {
    "wraps loss_and_gradients": (
        "from nntheory import numpy_core as npc\n"
        "def softplus_gradients(params, X, Y):\n"
        "    net = npc.MLP([X.shape[1], params[0].shape[1], Y.shape[1]], 'softplus')\n"
        "    net.set_parameters(params)\n"
        "    return npc.loss_and_gradients(net, X, Y)[1]\n", "loss_and_gradients"),
    "a helper that wraps it": (
        "from nntheory import numpy_core as npc\n"
        "def helper(net, X, Y):\n"
        "    return npc.loss_and_gradients(net, X, Y)[1]\n"
        "def softplus_gradients(params, X, Y):\n"
        "    net = npc.MLP([X.shape[1], params[0].shape[1], Y.shape[1]], 'softplus')\n"
        "    net.set_parameters(params)\n"
        "    return helper(net, X, Y)\n", "loss_and_gradients"),
    "hidden behind getattr": (
        "from nntheory import numpy_core as npc\n"
        "lg = getattr(npc, 'loss_and' + '_gradients')\n"
        "def softplus_gradients(params, X, Y):\n"
        "    net = getattr(npc, 'ML' + 'P')([X.shape[1], params[0].shape[1], Y.shape[1]],"
        " 'softplus')\n"
        "    net.set_parameters(params)\n"
        "    return lg(net, X, Y)[1]\n", "is disabled here"),
    "torch autograd": (
        "import torch\n"
        "def softplus_gradients(params, X, Y):\n"
        "    ps = [torch.tensor(p, requires_grad=True) for p in params]\n"
        "    Z = torch.nn.functional.softplus(torch.tensor(X) @ ps[0] + ps[1]) @ ps[2] + ps[3]\n"
        "    loss = ((Z - torch.tensor(Y)) ** 2).mean()\n"
        "    loss.backward()\n"
        "    return [p.grad.numpy() for p in ps]\n", "backward"),
    "torch autograd behind getattr": (
        "import torch\n"
        "def softplus_gradients(params, X, Y):\n"
        "    ps = [torch.tensor(p) for p in params]\n"
        "    for p in ps:\n"
        "        setattr(p, 'requires' + '_grad', True)\n"
        "    Z = torch.log1p(torch.exp(torch.tensor(X) @ ps[0] + ps[1])) @ ps[2] + ps[3]\n"
        "    loss = ((Z - torch.tensor(Y)) ** 2).mean()\n"
        "    getattr(loss, 'back' + 'ward')()\n"
        "    return [p.grad.numpy() for p in ps]\n", "is disabled here"),
}


@pytest.mark.parametrize("name", list(SOFTPLUS_SHORTCUTS))
def test_softplus_shortcuts_fail_visible_and_hidden(name):
    source, message = SOFTPLUS_SHORTCUTS[name]
    fn = _define(source)["softplus_gradients"]
    ex = exercises.get("ex-bp-softplus")
    ok, text = ex.verdict(fn)
    assert not ok and message in text and "write it yourself" in text, text
    assert not any(case.run(fn)[0] for case in ex.hidden)
    # everything is restored afterwards
    from nntheory import numpy_core as npc
    net = npc.MLP([2, 3, 1], "softplus", seed=0)
    npc.loss_and_gradients(net, np.ones((2, 2)), np.ones((2, 1)))


def test_disabled_names_raise_a_clear_message_and_are_restored():
    from nntheory import numpy_core as npc
    saved = npc.loss_and_gradients
    with forbid.disabled(["nntheory.numpy_core.loss_and_gradients", "torch.optim"]):
        with pytest.raises(forbid.ForbiddenError, match="`loss_and_gradients` is disabled"):
            saved(None, None, None)            # a reference taken before: disabled too
        import torch
        with pytest.raises(forbid.ForbiddenError, match="write it yourself"):
            torch.optim.Adamax([torch.zeros(1, requires_grad=True)])
    assert npc.loss_and_gradients is saved
    import torch
    torch.optim.Adamax([torch.zeros(1, requires_grad=True)])


ADAMAX_SHORTCUT = (
    "import torch\n"
    "def adamax_step(p, g, m, u, t, lr, beta1, beta2, eps):\n"
    "    pt = torch.tensor(p, requires_grad=True)\n"
    "    opt = torch.optim.Adamax([pt], lr=lr, betas=(beta1, beta2), eps=eps)\n"
    "    pt.grad = torch.tensor(g)\n"
    "    opt.step()\n"
    "    return pt.detach().numpy(), m, u\n")


def test_the_registrys_own_helpers_are_not_a_shortcut():
    """A private helper of the registry computes what a check expects from any input
    (``_torch_limit``): named or reached, it is refused."""
    ex = exercises.get("ex-init-torch")
    named = _define("from nntheory.teaching.bank import ch08_09 as E\n"
                    "def q(n, gain):\n"
                    "    return E._torch_limit(n, gain)\n")["q"]
    hidden = _define("from nntheory.teaching.bank import ch08_09 as E\n"
                     "f = getattr(E, '_torch' + '_limit')\n"
                     "def q(n, gain):\n"
                     "    return f(n, gain)\n")["q"]
    for fn, message in ((named, "not allowed here"), (hidden, "is disabled here")):
        ok, text = ex.verdict(fn)
        assert not ok and message in text, text
        assert not any(case.run(fn)[0] for case in ex.hidden)
    assert ex.verdict(lambda n, gain: 2 / (n * (6 - gain ** 2)) if gain ** 2 < 6
                      else math.inf)[0]                            # the answer itself
    assert forbid.refusal(0, (forbid.REGISTRY_INTERNALS,), "x",
                          history=["from nntheory.teaching import exercises",
                                   "exercises._TRIES.clear()\nx = 6"])


def test_he_constant_through_torch_calculate_gain_fails():
    ex = exercises.get("ex-init-leaky")
    named = _define("import torch\n"
                    "def he(alpha):\n"
                    "    return torch.nn.init.calculate_gain('leaky_relu', alpha) ** 2\n")["he"]
    assert "not allowed here" in ex.verdict(named)[1]
    assert "not allowed here" in forbid.refusal(      # a value computed in another cell
        2.0, ex.forbid, "he", history=["import torch", "g = torch.nn.init.calculate_gain",
                                       "he = g('leaky_relu', 0.01) ** 2"])


def test_adamax_through_torch_optim_fails():
    ex = exercises.get("ex-opt-adamax")
    fn = _define(ADAMAX_SHORTCUT)["adamax_step"]
    ok, text = ex.verdict(fn)
    assert not ok and "optim" in text
    ns = _define("import torch\nAda = getattr(torch.optim, 'Ada' + 'max')\n")
    fn = _define(ADAMAX_SHORTCUT.replace("torch.optim.Adamax", "Ada").replace(
        "import torch\n", ""), ns)["adamax_step"]
    ok, text = ex.verdict(fn)
    assert not ok and "disabled here" in text, text


# the value shortcuts of the issue, as notebook cells: (label, variable, cells)
VALUE_SHORTCUTS = [
    ("ex-bp-count", "n_params",
     ["from nntheory import numpy_core as npc",
      "n_params = npc.MLP([3, 64, 64, 10]).n_parameters"]),
    ("ex-bp-count", "n_params",
     ["from nntheory import numpy_core as npc", "net = npc.MLP([3, 64, 64, 10])",
      "count = sum(p.size for p in net.get_parameters())", "n_params = count"]),
    ("ex-ua-hat", "hat_params",
     ["from nntheory import depth", "hat_params = depth.relu_spline([-1, 0, 1], [0, 1, 0])"
      ".get_parameters()"]),
    ("ex-init-tanh-sigmoid", "sigmoid_params",
     ["from nntheory import initialisation as ini",
      "sigmoid_params = ini.tanh_to_sigmoid(tanh_params)"]),
    ("ex-gen-implicit", "w_limit",
     ["from nntheory import generalisation",
      "w_limit = generalisation.implicit_bias_limit(X_ex, [2.0, 2], [1.0, 0, 0])"]),
    ("ex-gen-vc", "n_labellings",
     ["from nntheory import separability", "n_labellings = separability.cover_count(9, 7)"]),
]


@pytest.mark.parametrize("label, variable, cells", VALUE_SHORTCUTS,
                         ids=[f"{v[0]}-{i}" for i, v in enumerate(VALUE_SHORTCUTS)])
def test_value_shortcuts_in_the_notebook_are_refused(label, variable, cells):
    """The cells the answer's variable depends on are read (in a kernel, from its
    history): the library function that computes the answer is refused."""
    ex = exercises.get(label)
    assert forbid.refusal(0, ex.forbid, variable, history=cells)
    # the chapter's own use of the function elsewhere does not count
    other = [*cells[:-1], "unrelated = 1", f"{variable} = 123"]
    assert forbid.refusal(0, ex.forbid, variable, history=other) is None


# ------------------------------------------------------------------ variants


def test_variants_select_the_data_and_a_copied_answer_is_wrong():
    right0 = _tiny_grad(2.0, 1.0, 0.5, -0.2, 1.5, 0.1)
    assert exercises.data("ex-bp-scalar") == (2.0, 1.0, 0.5, -0.2, 1.5, 0.1)   # variant 0
    ex = exercises.get("ex-bp-scalar")
    assert ex.verdict(_tiny_grad)[0] and ex.verdict(lambda *_: right0)[0]
    seen = set()
    for i in range(6):
        variants.set_student(f"s{i}", variants.new_key())
        d = exercises.data("ex-bp-scalar")
        seen.add(d)
        assert ex.verdict(_tiny_grad)[0]
        if abs(_bp_scalar_answer(*d) - right0[0]) > 1e-3 * abs(right0[0]):
            assert not ex.verdict(lambda *_: right0)[0]   # variant 0's numbers, copied
    assert len(seen) >= 5
    key = variants.new_key()
    variants.set_student("a", key)
    first = exercises.data("ex-bp-scalar")
    variants.set_student("b", key)
    assert exercises.data("ex-bp-scalar") == first   # the key, not the id, selects it


def test_keys_are_random_and_validated():
    assert variants.new_key() != variants.new_key()
    for bad in ("", "short", "ZZ" * 10, 3):
        with pytest.raises(ValueError, match="key"):
            variants.set_student("s1", bad)
    with pytest.raises(ValueError, match="student_id"):
        variants.set_student("", variants.new_key())


def test_assign_writes_keyed_copies_that_read_back(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name,email\ns001,Ann,a@x\ns002,Bo,b@x\n")
    paths = assign.assign(CHAPTERS / "03_backprop.ipynb", roster, tmp_path / "out")
    assert sorted(p.parent.name for p in paths) == ["s001", "s002"]
    with (tmp_path / "out" / "keys.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert [r["student_id"] for r in rows] == ["s001", "s002"] and rows[0]["name"] == "Ann"
    nb = json.loads(paths[0].read_text())
    assert variants.read_key(nb) == ("s001", rows[0]["key"])
    assert "# BEGIN SOLUTION" not in json.dumps(nb)
    # again: the same keys
    assign.assign(CHAPTERS / "03_backprop.ipynb", roster, tmp_path / "out")
    with (tmp_path / "out" / "keys.csv").open() as fh:
        assert [r["key"] for r in csv.DictReader(fh)] == [r["key"] for r in rows]
    # an edited key cell is detected
    nb["cells"][0]["source"] = nb["cells"][0]["source"].replace("s001", "s002")
    assert variants.read_key(nb) == ("s002", rows[0]["key"])   # key differs from s002's row
    nb["cells"][0]["source"] += "\nprint(1)"
    with pytest.raises(ValueError, match="edited"):
        variants.read_key(nb)
    bad = tmp_path / "bad.csv"
    bad.write_text("name\nAnn\n")
    with pytest.raises(ValueError, match="student_id"):
        assign.assign("3", bad, tmp_path / "out2")


# ------------------------------------------------------------------ written answers


def test_written_exercises_get_a_tagged_answer_cell_and_a_rubric():
    written = [ex for ex in exercises.REGISTRY.values() if ex.kind == "written"]
    assert written and all(ex.rubric for ex in written)
    for ex in written:
        nb = json.loads((CHAPTERS / f"{ex.chapter}.ipynb").read_text())
        copy = student.make_student_copy(nb)
        cells = [c for c in copy["cells"] if student.ANSWER_TAG in
                 (c.get("metadata", {}).get("tags") or [])
                 and c["metadata"].get("nntheory") == {"exercise": ex.label}]
        assert len(cells) == 1 and cells[0]["cell_type"] == "markdown"   # one per exercise
        assert "".join(cells[0]["source"]).strip() == \
            student._ANSWER_PROMPT.format(label=ex.label).strip()   # the model answer is gone
        assert checks.check_exercise(ex.label, ...).passed is False
    with pytest.raises(ValueError, match="rubric"):
        exercises.Exercise("ex-x", "01", "t", "easy", "", (), None, kind="written")


# ------------------------------------------------------------------ student copies (issue 28)


def _nb(*cells):
    return {"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def test_unmarked_code_inside_a_solution_is_refused():
    nb = _nb({"cell_type": "markdown", "metadata": {},
              "source": "```{solution-start} ex-a\n```\nprose"},
             {"cell_type": "code", "metadata": {}, "source": "answer = 42",
              "outputs": [{"output_type": "stream", "name": "stdout", "text": "42"}]},
             {"cell_type": "markdown", "metadata": {}, "source": "```{solution-end}\n```"})
    with pytest.raises(ValueError, match="cell 1.*no '# BEGIN SOLUTION'"):
        student.make_student_copy(nb)


def test_an_empty_code_cell_inside_a_solution_loses_its_outputs():
    nb = _nb({"cell_type": "markdown", "metadata": {},
              "source": "```{solution-start} ex-a\n```\nprose"},
             {"cell_type": "code", "metadata": {}, "source": "", "execution_count": 3,
              "outputs": [{"output_type": "stream", "name": "stdout", "text": "42"}]},
             {"cell_type": "markdown", "metadata": {}, "source": "```{solution-end}\n```"})
    cell = student.make_student_copy(nb)["cells"][0]
    assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.mark.parametrize("cells", [["oops"], [None], [{"source": "x"}], [{"cell_type": 3}]])
def test_a_cell_that_is_not_a_cell_is_a_named_error(cells):
    with pytest.raises(TypeError, match="cell 0 is not a notebook cell"):
        student.make_student_copy({"cells": cells})


@pytest.mark.parametrize("answer", [{"a": 1}, print, lambda x: x, {1, 2}, [{"a": 1}],
                                    [print]])
def test_check_exercise_with_a_dict_or_function_answer_reports(answer):
    for label in ("ex-bp-count", "ex-gen-ntk", "ex-gen-rademacher"):
        result, out = run(checks.check_exercise, label, answer)
        assert not result.passed and "Not yet" in out


# ------------------------------------------------------------------ end to end in a kernel


def _execute(nb: dict) -> list[str]:
    book = nbformat.reads(json.dumps(nb), as_version=4)
    nbclient.NotebookClient(book, kernel_name="python3", timeout=120,
                            resources={"metadata": {"path": str(CHAPTERS)}}).execute()
    return ["".join(o.get("text", "") for o in c.get("outputs", [])
                    if o.get("output_type") == "stream")
            for c in book.cells if c.cell_type == "code"]


def test_end_to_end_assigned_copy_checks_the_students_variant(tmp_path, monkeypatch):
    """Chapter 3's exercise section as an assigned copy: the data cell prints the
    student's instance, the check accepts the answer computed from it, refuses the
    library shortcut and the answer of variant 0; then the grader's in-kernel verdicts
    on the same kernel agree."""
    monkeypatch.setenv("NNTHEORY_QUIET", "1")
    import sys
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from grading_fixture import IMPORTS, fixture_notebook
    finally:
        sys.path.remove(str(ROOT / "tests"))
    nb = student.make_student_copy(fixture_notebook())
    key = variants.new_key()
    nb["cells"].insert(0, variants.key_cell("s042", key))
    variants.set_student("s042", key)
    d = exercises.data("ex-bp-scalar")
    variants.clear()
    right0 = _bp_scalar_answer(2.0, 1.0, 0.5, -0.2, 1.5, 0.1)

    def cell(source):
        return {"cell_type": "code", "id": "probe", "metadata": {}, "outputs": [],
                "execution_count": None, "source": source}

    def answer_in(source):
        for c in nb["cells"]:
            if c["cell_type"] == "code" and "".join(c["source"]).startswith(source):
                return c
        raise KeyError(source)

    answer_in("tiny_grad = ...")["source"] = (
        "def tiny_grad(x, y, w1, b1, w2, b2):\n"
        "    a = np.tanh(w1 * x + b1)\n"
        "    r = 2 * (w2 * a + b2 - y)\n"
        "    return [r * w2 * (1 - a ** 2) * x, r * w2 * (1 - a ** 2), r * a, r]")
    answer_in("count_params = ...")["source"] = (
        "from nntheory import numpy_core as npc\n"
        "count_params = lambda widths: npc.MLP(list(widths)).n_parameters")
    nb["cells"].append(cell(
        "from nntheory.teaching import exercises as _ex\n"
        f"copied = lambda *_: {_tiny_grad(2.0, 1.0, 0.5, -0.2, 1.5, 0.1)!r}\n"
        "print('COPIED', _ex.get('ex-bp-scalar').verdict(copied))\n"
        "print('GRADER', [(e.label, e.verdict(globals().get(e.answer, ...))[0])\n"
        "                 for e in _ex.for_chapter('03_backprop')])"))
    assert IMPORTS
    outputs = "\n".join(_execute(nb))
    assert f"x = {d[0]}, y = {d[1]}, w1 = {d[2]}" in outputs        # the student's instance
    assert "✅ Correct [ex-bp-scalar]: agrees with the chain rule" in outputs
    assert "❌ Not yet [ex-bp-count]: this exercise asks you to write it yourself" in outputs
    if abs(_bp_scalar_answer(*d) - right0) > 1e-3 * abs(right0):
        assert "COPIED (False, 'does not agree with the chain rule" in outputs
    assert ("GRADER [('ex-bp-count', False), ('ex-bp-scalar', True), "
            "('ex-bp-softplus', False), ('ex-bp-symmetry', False)]") in outputs
    for value in (5066, f"{_bp_scalar_answer(*d):.4g}"):
        assert f"right {value}" not in outputs


# ------------------------------------------------------------------ the grader's side
# (the lazy-student probe, notes/lazy_report.md: holes 1-4, with its exact shortcuts)


def test_the_graders_lock_disables_what_student_cells_reach_by_any_name():
    """Holes 1-2: while the lock is on (the grader's state for every cell a student
    wrote), a forbidden function fails however it is reached: getattr with a built
    name, importlib, a types.FunctionType copy made then, a private helper of a
    forbidden module (torch.optim's _single_tensor_adamax), the registry's verdicts
    and helpers; off restores every one."""
    import importlib

    import torch

    from nntheory import numpy_core as npc
    from nntheory.teaching import grade
    lock = forbid.Lock([*grade.load_reference(3).forbidden, "torch.optim"])
    shortcuts = {
        "getattr": lambda: getattr(npc, "loss_and_" + "gradients")(None, [[1.0]], [[1.0]]),
        "importlib": lambda: importlib.import_module("nntheory." + "numpy_core")
        .MLP([3, 64, 64, 10]),
        "copy": lambda: types.FunctionType(npc.MLP.__init__.__code__,
                                           npc.MLP.__init__.__globals__)(None, [1, 1]),
        "adamax": lambda: importlib.import_module("torch." + "op" + "tim.adamax")
        ._single_tensor_adamax([], [], [], [], []),
        "verdict": lambda: exercises.get("ex-bp-count").verdict(4),
        "data": lambda: exercises.data("ex-bp-scalar"),
    }
    before = npc.loss_and_gradients.__code__
    assert lock.on() > 100
    try:
        copied = types.FunctionType(npc.loss_and_gradients.__code__,
                                    npc.loss_and_gradients.__globals__)
        for name, call in shortcuts.items():
            with pytest.raises(forbid.ForbiddenError, match="is disabled here"):
                call()
                pytest.fail(name)
        assert torch.ones(2).sum().item() == 2.0     # what is not forbidden still works
    finally:
        lock.off()
    assert npc.loss_and_gradients.__code__ is before
    assert npc.MLP([3, 64, 64, 10]).n_parameters == 64 * 4 + 64 * 65 + 10 * 65
    with pytest.raises(forbid.ForbiddenError):       # a copy made while locked stays so
        copied(None, [[1.0]], [[1.0]])


def test_a_verdict_is_a_logged_try_and_constructions_have_a_limit(tmp_path, monkeypatch):
    """Hole 3: ex.verdict(x) is logged and counted like check_exercise (one line each,
    never two); a construction exercise stops answering after max_tries wrong ones."""
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv(checks.LOG_ENV, str(log))
    ex = exercises.get("ex-ua-units")         # a value exercise (ex-bp-count: a function)
    assert ex.verdict(5000) == (False, "not correct")
    run(checks.check_exercise, "ex-ua-units", 5001)
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(r["exercise"], r["passed"]) for r in lines] == [("ex-ua-units", False)] * 2
    for k in range(ex.max_tries - 2):
        ex.check(6000 + k)
    assert "tried in this session" in ex.verdict(71)[1]         # variant 0's answer
    right = [np.array([[1.0, 1.0, 1.0]]), np.array([1.0, 0.0, -1.0]),
             np.array([[1.0], [-2.0], [1.0]]), np.array([0.0])]
    # a construction exercise of its own (chapter 4's hat is now a function exercise)
    hat = exercises.Exercise(
        "ex-test-hat", "04_universal_approximation", "The unit hat", "medium", "hat_params",
        ("hat network",), lambda a: (all(np.array_equal(p, q) for p, q in zip(a, right,
                                                                              strict=True)),
                                     "checked"), kind="construction")
    assert hat.verdict(right)[0]
    for k in range(hat.max_tries):
        assert not hat.verdict([*right[:3], np.array([1.0 + k])])[0]
    ok, message = hat.verdict(right)
    assert not ok and "tried in this session" in message


def test_the_graders_verdicts_ignore_a_tampered_registry(tmp_path, monkeypatch):
    """Hole 4: the probe's tampering (object.__setattr__ of check and hidden, the try
    counter cleared) in the kernel changes nothing for the grader's cell, which loads
    a private copy of the library from its files."""
    from nntheory.teaching import executor, grade
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv(checks.LOG_ENV, str(log))
    chapter = exercises.for_chapter("03_backprop")
    saved = [(ex, ex.check, ex.hidden) for ex in chapter]
    right = _right_softplus
    try:
        for ex in chapter:
            object.__setattr__(ex, "check", lambda a: (True, "right"))
            object.__setattr__(ex, "hidden", ())
        vars(exercises)["_TRIES"].clear()
        for answers, expected in (((lambda w: 5000, lambda *d: [-0.32] * 4,
                                    lambda p, X, Y: p), False),
                                  ((lambda w: sum(n * (m + 1) for m, n in zip(w[:-1], w[1:],
                                                                        strict=True))
                                    + sum(w[i] * w[i + 2] for i in range(len(w) - 2))
                                    - w[-1],           # variant 0: skips, no output biases
                                    _tiny_grad, right), True)):
            namespace = {"checks": checks, "count_params": answers[0], "tiny_grad": answers[1],
                         "softplus_gradients": answers[2]}
            job = {"chapter": "03_backprop", "token": "tok",
                   "fingerprints": grade.check_fingerprints()}
            log.write_text("")
            exec(executor._grader_cell(job, None), namespace)
            lines = [json.loads(line) for line in log.read_text().splitlines()]
            graded = {r["exercise"]: r for r in lines if r["kind"] == "grade"}
            assert [r["problem"] for r in lines if r["kind"] == "integrity"] == [""]
            assert {label: r["visible"][0] for label, r in graded.items()} == dict.fromkeys(
                ("ex-bp-count", "ex-bp-scalar", "ex-bp-softplus"), expected), graded
            if expected:
                assert len(graded["ex-bp-softplus"]["hidden"]) == 4
                assert all(h[1] for h in graded["ex-bp-softplus"]["hidden"])
    finally:
        for ex, check, hidden in saved:
            object.__setattr__(ex, "check", check)
            object.__setattr__(ex, "hidden", hidden)


def test_a_students_function_cannot_take_a_forbidden_functions_code_while_checked():
    """Run by a check (or the grader), the student's function finds every Python
    function of a forbidden module locked, private helpers included: a code object it
    takes then and reuses later is the raising stub."""
    taken = {}
    fn = _define("import importlib\n"
                 "def adamax_step(p, g, m, u, t, lr, beta1, beta2, eps):\n"
                 "    helper = importlib.import_module('torch.optim.adamax')\n"
                 "    taken['code'] = getattr(helper, '_single_tensor_' + 'adamax').__code__\n"
                 "    return p, m, u\n", {"__name__": "__main__", "taken": taken})["adamax_step"]
    assert not exercises.get("ex-opt-adamax").verdict(fn)[0]
    assert taken["code"].co_filename == "<forbidden>"
    import torch.optim.adamax as adamax
    assert adamax._single_tensor_adamax.__code__.co_filename != "<forbidden>"


def test_every_rubric_totals_the_exercises_points():
    """A teacher's hand mark must lie between 0 and the exercise's points: a rubric that
    promised "4 points in all" for a 2-point exercise (ex-res-prove, found by the Chinese
    edition's referee) could not be followed. Where a rubric itemises its points as
    "<x> point(s): ...", the items add up to the total too."""
    import re

    for ex in exercises.REGISTRY.values():
        if not ex.rubric:
            continue
        total = re.match(r"(\d+(?:\.\d+)?) points? in all", ex.rubric)
        assert total, f"{ex.label}: the rubric does not start with '<n> points in all'"
        assert float(total.group(1)) == ex.points, (ex.label, total.group(1), ex.points)
        items = [float(x) for x in re.findall(r"(?:^|[.:;] )(\d+(?:\.\d+)?) points?:",
                                                ex.rubric)]
        if len(items) >= 2:
            assert sum(items) == ex.points, (ex.label, items, ex.points)
