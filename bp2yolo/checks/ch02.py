"""The visible checks of chapter 02's assignment (computational graphs).

    check_subtract_gate(SubtractGate)                  exercise 1: the subtract gate's signs
    check_min_gate(MinGate)                            exercise 1: min routes, ties go to x
    check_divide_gate(DivideGate)                      exercise 1: the quotient's local derivatives
    check_relative_gap(relative_gap, SubtractGate, MinGate, DivideGate)
                                                       exercise 2: gates with fan-out, copy adds
    check_value_operations(Value)                      exercise 3: each operation's own _backward
    check_value_backward(Value)                        exercise 3: backward_order(), backward(),
                                                       zero_grad(), a chain 1,500 deep
    check_value_against_torch(Value)                   exercise 3: one expression, torch as referee
    check_hypot(Hypot)                                 exercise 4: a torch.autograd.Function
    check_second_derivative(second_derivative)         exercise 5: backprop through backprop

Each receives the learner's classes or function and uses small fixed inputs: the expected
values are fixed numbers, or torch.autograd on the same expression written with tensors. The
hidden tests (random inputs, independent oracles) live only in the instructor's notebook.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from bp2yolo.checks.core import assert_close, portable
from bp2yolo.checks.report import (
    HintError,
    call,
    calling,
    check,
    passes,
    require,
    run,
    show,
    unpack,
)


def _two_gradients(result: Any, gate: str, made: str) -> None:
    unpack(result, 2, f"{gate}.{made} should return (dx, dy)")


def _gate_calls(x: Any, y: Any, dout: Any) -> tuple[str, str]:
    """How the hints name a gate's two calls: 'forward([2.0, -1.5], [-3.0, 4.0])', and
    'backward([1.0, 2.0]) after forward(...)'."""
    forward = call("forward", x, y)
    return forward, f"{call('backward', dout)} after {forward}"


def _gate(Gate: type, x: Any, y: Any, dout: Any) -> tuple[Any, Any, Any, str]:
    """A new Gate object's forward(x, y) and backward(dout): (out, dx, dy, how the hints name the
    backward call)."""
    forward, backward = _gate_calls(x, y, dout)
    gate = Gate()
    out = run(gate.forward, x, y)
    dx, dy = unpack(run(gate.backward, dout), 2,
                    f"{Gate.__name__}.{backward} should return (dx, dy)")
    return out, dx, dy, f"{Gate.__name__}().{forward}"


SHARED = ("the gates share what they remember: store it on the object (self.something = ...), "
          "not on the class")


def _one_object_per_use(Gate: type, first_xy: tuple[float, float],
                        second_xy: tuple[float, float], want: tuple[float, float],
                        shared: tuple[float, float]) -> None:
    """Two objects of Gate: the first's backward after the second's forward must use the first's
    inputs (want), not the second's (shared)."""
    name = Gate.__name__
    first, second = Gate(), Gate()
    run(first.forward, *first_xy)
    run(second.forward, *second_xy)
    made = (f"first.backward(1.0) after first.{call('forward', *first_xy)}, "
            f"second.{call('forward', *second_xy)} (first, second = {name}(), {name}())")
    dx, dy = unpack(run(first.backward, 1.0), 2, f"{made} should return (dx, dy)")
    assert_close(dx, want[0], f"first gate's dx, after a second gate's forward: {made}",
                 variants={SHARED: shared[0]})
    assert_close(dy, want[1], f"first gate's dy, after a second gate's forward: {made}",
                 variants={SHARED: shared[1]})


# ---------------------------------------------------------------------------------------------
# Exercise 1: gates


@check
def check_subtract_gate(SubtractGate: type) -> None:
    x = np.array([2.0, -1.5, 0.5])
    y = np.array([-3.0, 4.0, 2.0])
    dout = np.array([1.0, 2.0, -0.5])
    out, dx, dy, made = _gate(SubtractGate, x, y, dout)
    assert_close(out, np.array([5.0, -5.5, -1.5]), made)
    no_upstream = "the upstream gradient is missing: by the chain rule, multiply by dout"
    assert_close(dx, dout, f"SubtractGate dx after {made}", variants={
        "d(x - y)/dx = +1: x's gradient is dout itself, the sign is on y's": -dout,
        "subtract does not split the upstream gradient: x gets all of dout": dout / 2,
        no_upstream: np.ones(3)})
    assert_close(dy, -dout, f"SubtractGate dy after {made}", variants={
        "d(x - y)/dy = -1: y's gradient is minus dout (the add gate's, with the sign flipped)":
            dout,
        "subtract does not split the upstream gradient: y gets all of -dout": -dout / 2,
        no_upstream: -np.ones(3)})
    for x, y, dout, want in [(2.0, 3.0, 4.0, -1.0), (np.array([1.0]), np.array([0.5]),
                                                     np.array([-2.0]), np.array([0.5]))]:
        out, dx, dy, made = _gate(SubtractGate, x, y, dout)  # a float, and a size-1 array
        assert_close(out, want, made)
        assert_close(dx, dout, f"SubtractGate dx after {made}")
        assert_close(dy, -dout, f"SubtractGate dy after {made}")
    print("SubtractGate: visible tests passed")


@check
def check_min_gate(MinGate: type) -> None:
    x = np.array([1.0, 5.0, -2.0, 3.0])
    y = np.array([4.0, 2.0, -2.5, 3.0])  # the last entry is a tie
    dout = np.array([0.5, -1.0, 2.0, 1.5])
    out, dx, dy, made = _gate(MinGate, x, y, dout)
    assert_close(out, np.array([1.0, 2.0, -2.5, 3.0]), made)
    both = "min routes: only the smaller input gets the gradient, the other one gets 0"
    larger = ("the gradient went to the larger input (that is max's rule): min routes it to the "
              "smaller")
    tie = "at a tie (x == y, the last entry) send all of dout to x, and none to y"
    assert_close(dx, np.array([0.5, 0.0, 0.0, 1.5]), f"MinGate dx after {made}",
                 variants={both: dout, larger: np.array([0.0, -1.0, 2.0, 1.5]),
                           tie: np.array([0.5, 0.0, 0.0, 0.0]),
                           tie + " (not half of it)": np.array([0.5, 0.0, 0.0, 0.75])})
    assert_close(dy, np.array([0.0, -1.0, 2.0, 0.0]), f"MinGate dy after {made}",
                 variants={both: dout, larger: np.array([0.5, 0.0, 0.0, 0.0]),
                           tie: np.array([0.0, -1.0, 2.0, 1.5]),
                           tie + " (not half of it)": np.array([0.0, -1.0, 2.0, 0.75])})
    # floats, and one gate object per use: each remembers its own inputs
    _one_object_per_use(MinGate, (2.0, 3.0), (5.0, -1.0), want=(1.0, 0.0), shared=(0.0, 1.0))
    print("MinGate: visible tests passed")


@check
def check_divide_gate(DivideGate: type) -> None:
    x = np.array([1.0, -2.0, 3.0])
    y = np.array([2.0, 4.0, -0.5])
    dout = np.array([1.0, 0.5, 2.0])
    out, dx, dy, made = _gate(DivideGate, x, y, dout)
    assert_close(out, np.array([0.5, -0.5, -6.0]), made)
    assert_close(dx, np.array([0.5, 0.125, -4.0]), f"DivideGate dx after {made}", variants={
        "the local derivative d(x/y)/dx is 1/y: divide dout by y, do not multiply": dout * y,
    })
    assert_close(dy, np.array([-0.25, 0.0625, -24.0]), f"DivideGate dy after {made}", variants={
        "the local derivative d(x/y)/dy is -x/y^2: the square of y is missing": -dout * x / y,
        "multiply does not apply here: d(x/y)/dy is -x/y^2, not x": dout * x,
    })
    out, dx, dy, made = _gate(DivideGate, 3.0, -2.0, 4.0)
    assert_close(out, -1.5, made)
    assert_close(dx, -2.0, f"DivideGate dx after {made}")
    assert_close(dy, -3.0, f"DivideGate dy after {made}")
    _one_object_per_use(DivideGate, (3.0, 2.0), (1.0, 4.0), want=(0.5, -0.75),
                        shared=(0.25, -0.0625))
    print("DivideGate: visible tests passed")


# ---------------------------------------------------------------------------------------------
# Exercise 2: a graph of gates with fan-out


def _gap_by_torch(x: Any, y: Any, dout: Any, keep: str = "both") -> tuple[np.ndarray, ...]:
    """(out, dx, dy) of (x - y) / min(x, y) from torch.autograd; keep="subtract" or "min" lets
    the gradient through that gate only (the other is detached): a wrong answer's values."""
    tx, ty = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (x, y))
    gap, low = tx - ty, torch.minimum(tx, ty)
    gap = gap.detach() if keep == "min" else gap
    low = low.detach() if keep == "subtract" else low
    out = gap / low
    out.backward(torch.as_tensor(dout, dtype=torch.float64))
    return out.detach().numpy(), tx.grad.numpy(), ty.grad.numpy()


@check
def check_relative_gap(relative_gap: Any, SubtractGate: type, MinGate: type,
                       DivideGate: type) -> None:
    for name, gate, gate_check in [("SubtractGate", SubtractGate, check_subtract_gate),
                                   ("MinGate", MinGate, check_min_gate),
                                   ("DivideGate", DivideGate, check_divide_gate)]:
        require(passes(gate_check, gate),
                f"relative_gap uses your {name}, which fails its own test: fix exercise 1 first")
    for x, y, dout in [(np.array([3.0, 1.0, -2.0, 0.5]), np.array([2.0, 4.0, 1.0, -1.0]),
                        np.array([1.0, -2.0, 0.5, 1.5])), (3.0, 1.5, 2.0)]:
        made = call("relative_gap", x, y, dout)
        result = unpack(run(relative_gap, x, y, dout), 3, f"{made} should return (out, dx, dy)")
        want = _gap_by_torch(x, y, dout)
        assert_close(result[0], want[0], made)
        copy = ("x and y each feed two gates, the subtract and the min: copy adds, so each "
                "gradient is the sum of what both gates send back; you kept only the "
                "{} gate's share")
        variants = {copy.format("subtract"): _gap_by_torch(x, y, dout, keep="subtract"),
                    copy.format("min"): _gap_by_torch(x, y, dout, keep="min"),
                    "the upstream gradient dout is missing: start the backward pass with the "
                    "divide gate's backward(dout)": _gap_by_torch(x, y, np.ones_like(dout))}
        for i, name in [(1, "dx"), (2, "dy")]:
            assert_close(result[i], want[i], f"{name} of {made}",
                         variants={hint: wrong[i] for hint, wrong in variants.items()})
    print("relative_gap: visible tests passed")


# ---------------------------------------------------------------------------------------------
# Exercise 3: the lesson's engine, extended


def _returns_value(out: Any, Value: type, made: str) -> None:
    require(isinstance(out, Value), f"{made} should return a Value, not {type(out).__name__}")


PRIOR = 0.5  # the grad the operands hold before an operation's own _backward runs


def _values(data: tuple[float, ...]) -> str:
    """'a = Value(2.0), b = Value(-3.0)': the operands, as the hints name them."""
    return ", ".join(f"{v} = Value({show(d)})" for v, d in zip("ab", data, strict=False))


def _local(Value: type, expr: str, op: Any, data: float, upstream: float):
    """Run op (written `expr`, e.g. 'a ** 3') on a Value holding `data` whose grad is already
    PRIOR, give the result the gradient `upstream` and run only the result's own _backward:
    (the result's data, the operand's gradient, how the hints name what ran)."""
    made = (f"{_values((data,))}; out = {expr}; a.grad = {show(PRIOR)}; "
            f"out.grad = {show(upstream)}; out._backward()")
    with calling(made):
        a = Value(data)
        out = op(a)
        _returns_value(out, Value, f"{expr} with {_values((data,))}")
        a.grad = PRIOR
        out.grad = upstream
        out._backward()
    return out.data, a.grad, made


def _check_local(Value: type, expr: str, op: Any, data: float, upstream: float, local: float,
                 variants: dict[str, float]) -> None:
    """op's value and its own _backward: a.grad must become PRIOR + upstream * local. variants:
    hint -> a wrong local derivative."""
    out, grad, made = _local(Value, expr, op, data, upstream)
    assert_close(out, op(torch.tensor(data, dtype=torch.float64)).item(), f"out.data after {made}")
    wrong = {hint: PRIOR + upstream * w for hint, w in variants.items()}
    wrong["a _backward adds to its parents' grad (+=): a.grad held 0.5 already, and you "
          "replaced it (=)"] = upstream * local
    wrong["the upstream gradient out.grad is missing: multiply the local derivative by it"] = (
        PRIOR + local)
    assert_close(grad, PRIOR + upstream * local, f"a.grad after {made}", variants=wrong)


def _check_pow(Value: type) -> None:
    bring_down = "bring the exponent down: d(a^k)/da = k a^(k-1)"
    for k, a, upstream in [(3, 1.5, 2.0), (-1, 2.0, -0.5), (0.5, 4.0, 3.0), (2, -1.5, 1.0)]:
        _check_local(Value, f"a ** {k}", lambda v, k=k: v**k, a, upstream, k * a ** (k - 1),
                     {bring_down: a ** (k - 1), "the exponent of a^(k-1) is k - 1, not k":
                      k * a**k})
    try:  # a ** 2 at a = 0: the derivative 2a is 0 there, nothing to divide by
        _check_local(Value, "a ** 2", lambda v: v**2, 0.0, 2.0, 0.0, {})
    except ZeroDivisionError:
        raise HintError("a ** 2 at a = 0 divided by zero in its _backward: write the local "
                        "derivative as k * a ** (k - 1), not as k * out / a") from None


def _check_exp_tanh_relu(Value: type) -> None:
    e = math.exp(0.5)
    _check_local(Value, "a.exp()", lambda v: v.exp(), 0.5, -1.5, e,
                 {"the derivative of exp(a) is exp(a) itself, not a": 0.5})
    t = math.tanh(0.7)
    _check_local(Value, "a.tanh()", lambda v: v.tanh(), 0.7, 3.0, 1 - t**2, {
        "tanh' = 1 - tanh(a)^2: the square is missing": 1 - t,
        "tanh' = 1 - tanh(a)^2, of the output tanh(a), not of the input a": 1 - 0.7**2,
        "that is the sigmoid's derivative; tanh' = 1 - tanh^2": t * (1 - t),
        "tanh' = 1 - out**2 where out = tanh(a) is the forward output; you applied tanh again "
        "(1 - tanh(out)**2)": 1 - math.tanh(t) ** 2})
    side = "relu's gradient is on the wrong side: it passes where a > 0, and is 0 where a < 0"
    _check_local(Value, "a.relu()", lambda v: v.relu(), 1.5, 2.0, 1.0, {side: 0.0})
    _check_local(Value, "a.relu()", lambda v: v.relu(), -0.5, -1.5, 0.0, {side: 1.0})
    at_zero = ("at a = 0 exactly, relu's gradient is 0 by convention (PyTorch's): pass the "
               "upstream gradient only where a > 0, strictly (use >, not >=)")
    _check_local(Value, "a.relu()", lambda v: v.relu(), 0.0, 2.0, 0.0,
                 {at_zero: 1.0, at_zero + ", and not half of it": 0.5})


def _whole(Value: type, expr: str, op: Any, *data: float):
    """Run op (written `expr`) on Values holding `data` and a whole backward pass: (data,
    operand gradients)."""
    with calling(f"{_values(data)}; out = {expr}; out.backward()"):
        operands = [Value(d) for d in data]
        out = op(*operands)
        _returns_value(out, Value, f"{expr} with {_values(data)}")
        out.backward()
    return out.data, np.array([v.grad for v in operands])


def _check_other_operators(Value: type) -> None:
    rsub = "2 - a came out as a - 2: a.__rsub__(2) must compute 2 - a (other - self)"
    rdiv = "1 / a came out as a / 1: a.__rtruediv__(1) must compute 1 / a (other / self)"
    checks = [  # name, op, operands, data, gradients, {hint: (wrong data, wrong gradients)}
        ("-a", lambda a: -a, [2.0], -2.0, [-1.0], {}),
        ("a - b", lambda a, b: a - b, [2.0, -0.5], 2.5, [1.0, -1.0],
         {"a - b came out as a + b: a - b = a + (-b), so b's gradient is minus the upstream "
          "gradient": (1.5, [1.0, 1.0])}),
        ("a / b", lambda a, b: a / b, [2.0, -0.5], -4.0, [-2.0, -8.0], {}),
        ("2 + a", lambda a: 2 + a, [0.5], 2.5, [1.0], {}),
        ("3 * a", lambda a: 3 * a, [0.5], 1.5, [3.0], {}),
        ("2 - a", lambda a: 2 - a, [0.5], 1.5, [-1.0], {rsub: (-1.5, [1.0])}),
        ("1 / a", lambda a: 1 / a, [0.5], 2.0, [-4.0], {rdiv: (0.5, [1.0])}),
    ]
    for name, op, operands, want_data, want_grads, wrong in checks:
        data, grads = _whole(Value, name, op, *operands)
        at = ", ".join(f"{v}={d:g}" for v, d in zip("ab", operands, strict=False))
        assert_close(data, want_data, f"({name}).data at {at}",
                     variants={hint: w[0] for hint, w in wrong.items()})
        assert_close(grads, want_grads,
                     f"{name}: the gradients of the operands at {at} (out = {name}, "
                     "out.backward())",
                     variants={hint: w[1] for hint, w in wrong.items()})


@check
def check_value_operations(Value: type) -> None:
    """Each operation's value and own _backward (onto operands whose grad is already 0.5, for
    upstream gradients other than 1), then the operators written with them, through a whole
    backward pass."""
    _check_pow(Value)
    _check_exp_tanh_relu(Value)
    _check_other_operators(Value)
    print("Value operations: visible tests passed")


NOT_STARTED = ("the gradient is 0: backward() should set self.grad = 1 and then run the "
               "_backward of the nodes from self, the first of backward_order(), to the inputs")
TOO_EARLY = ("u passed its gradient on before v had added its share: in backward_order(), a node "
             "comes after every node that uses it")
TWICE = ("a node's _backward ran more than once: backward_order() lists each node once")


def _check_order(Value: type) -> None:
    """backward_order() of the lesson's diamond f = u * (u + 1), u = x * x, at x = 3, with the
    product's operands in both orders: its nodes have the data f 90, v 10, u 9, x 3 and the
    wrapped constant 1."""
    for product in ("u * v", "v * u"):
        made = f"x = Value(3.0); u = x * x; v = u + 1.0; f = {product}; order = f.backward_order()"
        with calling(made):
            x = Value(3.0)
            u = x * x
            v = u + 1.0
            f = u * v if product == "u * v" else v * u
            order = f.backward_order()
        require(isinstance(order, (list, tuple)),
                f"backward_order() should return a list of Values, not {type(order).__name__} "
                f"({made})")
        data = [node.data for node in order]
        names = {90.0: "f", 10.0: "v", 9.0: "u", 3.0: "x", 1.0: "the constant 1.0"}
        listed = ", ".join(f"{names.get(d, '?')} ({show(d)})" for d in data)
        require(len(data) == len(set(data)),
                f"backward_order() lists a node more than once: {listed}. List each node once: "
                f"keep a set of the nodes already listed, or (Kahn's algorithm) put a node in "
                f"only when the last node that uses it is in ({made})")
        require(sorted(data) == sorted(names),
                f"backward_order() should hold f, v, u, x and the constant 1.0 that v = u + 1.0 "
                f"wrapped, each once; it holds {listed} ({made})")
        require(data[0] == 90.0,
                f"backward_order() should start with self, f; it is {listed}: the output "
                f"first, the inputs last ({made})")
        require(data.index(10.0) < data.index(9.0),
                f"in backward_order(), u came before v, which uses it: {listed}. A node may "
                f"come only after all the nodes that use it ({made})")
        require(data.index(9.0) < data.index(3.0),
                f"in backward_order(), x came before u, which uses it: {listed} ({made})")


def _check_single_node(Value: type) -> None:
    made = "a = Value(3.0); a.backward()"
    with calling(made):
        a = Value(3.0)
        a.backward()
    assert_close(a.grad, 1.0, f"a.grad after {made} (a graph of one node)",
                 variants={NOT_STARTED: 0.0})
    with calling(f"{made}; order = a.backward_order()"):
        order = a.backward_order()
    require(isinstance(order, (list, tuple)) and [n.data for n in order] == [3.0],
            f"a.backward_order() of a graph of one node, a = Value(3.0), should be [a] ({made})")
    with calling(f"{made}; a.zero_grad()"):
        a.zero_grad()
    require(a.grad == 0.0, f"a.grad is {a.grad} after {made}; a.zero_grad(): zero_grad sets grad "
            "to 0 on self too")


def _check_deep_chain(Value: type, length: int = 1_500) -> None:
    """x * 1.0001 * 1.0001 * ..., `length` multiplications: d(out)/dx = out / x = 1.0001^length
    (about 1.16 for 1,500). The lesson's recursive search stops after about 1,000 frames;
    1,500 and not more, since under grading each operation is a round trip to the sandbox."""
    made = f"x = Value(1.0); v = x; then {length:,} times v = v * 1.0001; v.backward()"
    want = 1.0
    for _ in range(length):
        want *= 1.0001
    try:
        with calling(made):
            x = Value(1.0)
            v = x
            for _ in range(length):
                v = v * 1.0001
            v.backward()
        assert_close(x.grad, want, f"x.grad after {made}", variants={NOT_STARTED: 0.0})
        with calling(f"{made}; v.zero_grad()"):
            v.zero_grad()
    except RecursionError:
        raise HintError(
            f"RecursionError in {made} (or in v.zero_grad()): Python stops a function that calls "
            "itself after about 1,000 frames, as it stops the lesson's visit(). Build "
            "backward_order() with an explicit stack (a list you append to and pop from), or "
            "with Kahn's algorithm"
        ) from None
    require(x.grad == 0.0, f"x.grad is {x.grad} after {made}; v.zero_grad(): zero_grad must "
            "reset every node v depends on")


@check
def check_value_backward(Value: type) -> None:
    _check_single_node(Value)
    _check_order(Value)

    made = "a = Value(3.0); b = a + a; b.backward()"
    with calling(made):
        a = Value(3.0)
        b = a + a
        b.backward()
    assert_close(a.grad, 2.0, f"a.grad after {made}",
                 variants={TWICE: 4.0, NOT_STARTED: 0.0})

    # An intermediate node used twice: u reaches f directly and through v.
    made = "x = Value(3.0); u = x * x; v = u + 1.0; f = u * v; f.backward()"
    with calling(made):
        x = Value(3.0)
        u = x * x
        v = u + 1.0
        f = u * v
        f.backward()
    assert_close(f.data, 90.0, f"f.data after {made}")
    every_path = ("u passed its gradient on twice (a walk along every path): backward_order() "
                  "lists each node once, after all the nodes that use it")
    assert_close(x.grad, 114.0, f"x.grad after {made}",
                 variants={every_path: 174.0, TOO_EARLY: 60.0, TWICE: 228.0, NOT_STARTED: 0.0})
    assert_close(u.grad, 19.0, f"u.grad after {made}")

    # zero_grad resets the whole graph; a second backward pass then gives the same gradients
    with calling(f"{made}; f.zero_grad()"):
        f.zero_grad()
    for name, node in [("f", f), ("v", v), ("u", u), ("x", x)]:
        require(node.grad == 0.0,
                f"{name}.grad is {node.grad} after f.zero_grad(): zero_grad must set grad to 0 "
                f"on f and on every node f depends on ({made}; f.zero_grad())")
    with calling(f"{made}; f.zero_grad(); f.backward()"):
        f.backward()
    assert_close(x.grad, 114.0,
                 f"x.grad after zero_grad() and a second backward() ({made}; f.zero_grad(); "
                 "f.backward())")

    # a longer chain with a reused intermediate node: g = (h * h + h).tanh(), h = 2 - y / 4
    made = "y = Value(1.2); h = 2 - y / 4; g = (h * h + h).tanh(); g.backward()"
    with calling(made):
        y = Value(1.2)
        h = 2 - y / 4
        g = (h * h + h).tanh()
        g.backward()
    t = math.tanh(1.7**2 + 1.7)
    assert_close(g.data, t, f"g.data after {made}")
    assert_close(y.grad, (1 - t**2) * (2 * 1.7 + 1) * -0.25, f"y.grad after {made}")

    _check_deep_chain(Value)
    print("Value.backward: visible tests passed")


@check
def check_value_against_torch(Value: type) -> None:
    made = ("a, b, c = Value(0.5), Value(-1.2), Value(2.0); d = a * b + c**2; "
            "e = (d.tanh() - a / c).exp(); f = e * d + (1 - b).relu() + 3 * a.relu(); "
            "f.backward()")
    with calling(made):
        a, b, c = Value(0.5), Value(-1.2), Value(2.0)
        d = a * b + c**2
        e = (d.tanh() - a / c).exp()
        f = e * d + (1 - b).relu() + 3 * a.relu()
        f.backward()

    # the same expression with float64 tensors: torch.autograd is the referee
    ta, tb, tc = (torch.tensor(v, dtype=torch.float64, requires_grad=True)
                  for v in (0.5, -1.2, 2.0))
    td = ta * tb + tc**2
    te = torch.exp(torch.tanh(td) - ta / tc)
    tf = te * td + torch.relu(1 - tb) + 3 * torch.relu(ta)
    td.retain_grad()  # keep the gradients of the intermediate nodes too
    te.retain_grad()
    tf.backward()
    for name, got, want in [("f.data", f.data, tf), ("a.grad", a.grad, ta.grad),
                            ("b.grad", b.grad, tb.grad), ("c.grad", c.grad, tc.grad),
                            ("d.grad", d.grad, td.grad), ("e.grad", e.grad, te.grad)]:
        assert_close(got, want.item(), f"{name} (compared with torch.autograd) after {made}")
    print("Value against torch.autograd: visible tests passed")


# ---------------------------------------------------------------------------------------------
# Exercise 4: a custom torch.autograd.Function


def _hypot_calls(x: np.ndarray, y: np.ndarray, upstream: np.ndarray) -> str:
    """How the hints name what _hypot_grads runs."""
    return (f"out = {call('Hypot.apply', x, y)} (float64 tensors that require grad); "
            f"{call('out.backward', upstream)}")


def _hypot_grads(fn: Any, x: np.ndarray, y: np.ndarray, upstream: np.ndarray):
    """out and the gradients of x and y, through fn (a Function's apply), with a clear hint when
    PyTorch refuses what backward returned."""
    tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    ty = torch.tensor(y, dtype=torch.float64, requires_grad=True)
    try:
        with calling(_hypot_calls(x, y, upstream)):
            out = fn(tx, ty)
            out.backward(torch.tensor(upstream, dtype=torch.float64))
    except RuntimeError as err:
        if "incorrect number of gradients" in str(err):
            raise HintError(
                f"Hypot.backward returned the wrong number of gradients ({err}) in "
                f"{_hypot_calls(x, y, upstream)}: return one "
                "gradient per input of forward, here two, (dL/dx, dL/dy)"
            ) from None
        raise
    return out.detach().numpy(), tx.grad.numpy(), ty.grad.numpy()


@check
def check_hypot(Hypot: type) -> None:
    require("backward" in vars(Hypot),
             "Hypot defines no backward method of its own: did you define forward twice? The "
             "second def replaces the first, and PyTorch then has no backward")
    x = np.array([3.0, -5.0, 0.6])
    y = np.array([4.0, 12.0, 0.8])
    g = np.array([1.0, 2.0, -1.0])
    out, dx, dy = _hypot_grads(Hypot.apply, x, y, g)
    r = np.array([5.0, 13.0, 1.0])
    made = _hypot_calls(x, y, g)
    assert_close(out, r, call("Hypot.apply", x, y))
    swapped = "dx uses y and dy uses x: d/dx sqrt(x^2 + y^2) = x / out (and d/dy = y / out)"
    no_upstream = "the upstream gradient grad_out is missing: multiply the local derivative by it"
    sqrt_chain = ("the chain rule through the square root, u = x^2 + y^2: d sqrt(u)/du = "
                  "1 / (2 sqrt(u)) and du/dx = 2x (du/dy = 2y), so the 2s cancel")
    halved = sqrt_chain + ": the local derivatives are x / out and y / out, not x / (2 out)"
    doubled = sqrt_chain + ": the 1/2 of the square root's derivative is missing"
    want_dx = np.array([0.6, -10 / 13, -0.6])  # the expected dL/dx and dL/dy, as fixed numbers
    want_dy = np.array([0.8, 24 / 13, -0.8])
    assert_close(dx, want_dx, f"dL/dx (x.grad) after {made}", variants={
        swapped: want_dy,
        no_upstream: want_dx / g,
        "d/dx sqrt(x^2 + y^2) = x / sqrt(x^2 + y^2): divide by out": g * x,
        halved: want_dx / 2,
        doubled: 2 * want_dx,
    })
    assert_close(dy, want_dy, f"dL/dy (y.grad) after {made}", variants={
        swapped: want_dx,
        no_upstream: want_dy / g,
        "d/dy sqrt(x^2 + y^2) = y / sqrt(x^2 + y^2): divide by out": g * y,
        halved: want_dy / 2,
        doubled: 2 * want_dy,
    })

    xs = torch.tensor([[0.5, -1.2, 2.0], [1.5, 0.3, -0.7]], dtype=torch.float64,
                      requires_grad=True)
    ys = torch.tensor([[-1.0, 0.4, 0.9], [2.2, -0.6, 1.1]], dtype=torch.float64,
                      requires_grad=True)
    made = (f"torch.autograd.gradcheck(Hypot.apply, (xs, ys)) with xs = {show(xs)}, "
            f"ys = {show(ys)} (float64, requiring grad)")
    try:
        with calling(made):
            torch.autograd.gradcheck(Hypot.apply, (xs, ys))
    except RuntimeError as err:
        raise HintError(f"gradcheck(Hypot.apply) fails: {str(err).splitlines()[0]} ({made})"
                        ) from None
    _check_hypot_float32(Hypot, x, y, g, want_dx, want_dy)
    print("Hypot: visible tests passed")


def _check_hypot_float32(Hypot: type, x: np.ndarray, y: np.ndarray, g: np.ndarray,
                         want_dx: np.ndarray, want_dy: np.ndarray) -> None:
    """The same inputs in float32: the output is float32, right to float32's precision."""
    tx, ty = (torch.tensor(v, dtype=torch.float32, requires_grad=True) for v in (x, y))
    made = (f"out = Hypot.apply(x, y) with float32 tensors x = {show(x)}, y = {show(y)} that "
            f"require grad; out.backward({show(g)})")
    with calling(made):
        out = Hypot.apply(tx, ty)
        out.backward(torch.tensor(g, dtype=torch.float32))
    require(out.dtype == torch.float32,
            f"{made}: out is {str(out.dtype).removeprefix('torch.')}, not float32. Keep the "
            "inputs' dtype: no .double(), no float64 tensor constants")
    assert_close(out.detach(), np.hypot(x, y), f"out in float32 ({made})", rtol=1e-6)
    assert_close(tx.grad, want_dx, f"dL/dx in float32 ({made})", rtol=1e-6)
    assert_close(ty.grad, want_dy, f"dL/dy in float32 ({made})", rtol=1e-6)


# ---------------------------------------------------------------------------------------------
# Exercise 5: a second derivative


@check
def check_second_derivative(second_derivative: Any) -> None:
    x = torch.tensor([0.0, 0.5, 1.0, 2.0], dtype=torch.float64)
    made = f"second_derivative(lambda t: t**3, {show(x)}) (a float64 tensor)"
    try:
        with calling(made):
            result = second_derivative(portable("lambda t: t**3"), x)
    except RuntimeError as err:
        if "does not require grad" in str(err):
            raise HintError(
                f"{err} in {made}: the first derivative has no graph to differentiate. Pass "
                "create_graph=True to the first torch.autograd.grad"
            ) from None
        raise
    require(isinstance(result, torch.Tensor),
             f"{made} should return a tensor, not {type(result).__name__}")
    require(not result.requires_grad,
             f"return the second derivative detached: result.detach() (in {made})")
    require(not x.requires_grad and x.grad is None,
             f"second_derivative changed x: work on a copy (in {made})")
    assert_close(result, np.array([0.0, 3.0, 6.0, 12.0]), made, variants={
        "this is f'(x), the first derivative: differentiate once more":
            np.array([0.0, 0.75, 3.0, 12.0]),
        "this is f'(x) + f''(x): .backward() adds into x.grad, so the second pass added to the "
        "first; use torch.autograd.grad": np.array([0.0, 3.75, 9.0, 24.0]),
    })
    x = torch.tensor([-1.0, 0.3, 2.5], dtype=torch.float64)
    t = torch.tanh(x)
    for f, want in [("tanh", -2 * t * (1 - t**2)), ("sin", -torch.sin(x))]:
        made = f"second_derivative(torch.{f}, {show(x)}) (a float64 tensor)"
        with calling(made):
            result = second_derivative(portable(f"torch.{f}"), x)
        assert_close(result, want, made)
    print("second_derivative: visible tests passed")
