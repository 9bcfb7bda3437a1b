"""The visible checks of chapter 02's assignment (computational graphs).

    check_add_multiply_gates(AddGate, MultiplyGate)   exercise 1: add distributes, multiply swaps
    check_max_gate(MaxGate)                            exercise 1: max routes, ties go to x
    check_divide_gate(DivideGate)                      exercise 1: the quotient's local derivatives
    check_value_operations(Value)                      exercise 2: each operation's own _backward
    check_value_backward(Value)                        exercise 2: backward() and zero_grad()
    check_value_against_torch(Value)                   exercise 2: one expression, torch as referee
    check_hypot(Hypot)                                 exercise 3: a torch.autograd.Function
    check_second_derivative(second_derivative)         exercise 4: backprop through backprop

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
from bp2yolo.checks.report import HintError, call, calling, check, require, run, show, unpack


def _two_gradients(result: Any, gate: str, made: str) -> None:
    unpack(result, 2, f"{gate}.{made} should return (dx, dy)")


def _gate_calls(x: Any, y: Any, dout: Any) -> tuple[str, str]:
    """How the hints name a gate's two calls: 'forward([2.0, -1.5], [-3.0, 4.0])', and
    'backward([1.0, 2.0]) after forward(...)'."""
    forward = call("forward", x, y)
    return forward, f"{call('backward', dout)} after {forward}"


# ---------------------------------------------------------------------------------------------
# Exercise 1: gates


@check
def check_add_multiply_gates(AddGate: type, MultiplyGate: type) -> None:
    x = np.array([2.0, -1.5, 0.5])
    y = np.array([-3.0, 4.0, 2.0])
    dout = np.array([1.0, 2.0, -0.5])

    forward, backward = _gate_calls(x, y, dout)
    add = AddGate()
    assert_close(run(add.forward, x, y), np.array([-1.0, 2.5, 2.5]), f"AddGate().{forward}")
    result = run(add.backward, dout)
    _two_gradients(result, "AddGate", backward)
    split = "the add gate does not split its upstream gradient: each input gets all of dout"
    assert_close(result[0], dout, f"AddGate dx of {backward}", variants={split: dout / 2})
    assert_close(result[1], dout, f"AddGate dy of {backward}", variants={split: dout / 2})

    mul = MultiplyGate()
    assert_close(run(mul.forward, x, y), np.array([-6.0, -6.0, 1.0]),
                 f"MultiplyGate().{forward}")
    result = run(mul.backward, dout)
    _two_gradients(result, "MultiplyGate", backward)
    no_swap = "multiply swaps: dx is dout times the other input y, and dy is dout times x"
    no_upstream = "the upstream gradient is missing: by the chain rule, multiply by dout"
    assert_close(result[0], np.array([-3.0, 8.0, -1.0]), f"MultiplyGate dx of {backward}",
                 variants={no_swap: dout * x, no_upstream: y})
    assert_close(result[1], np.array([2.0, -3.0, -0.25]), f"MultiplyGate dy of {backward}",
                 variants={no_swap: dout * y, no_upstream: x})

    # floats, and one gate object per use: each remembers its own inputs
    first, second = MultiplyGate(), MultiplyGate()
    run(first.forward, 2.0, 3.0)
    run(second.forward, -1.0, 5.0)
    shared = ("the gates share what they remember: store the inputs on the object (self.x = x), "
              "not on the class")
    made = ("first.backward(1.0) after first.forward(2.0, 3.0), second.forward(-1.0, 5.0) "
            "(first, second = MultiplyGate(), MultiplyGate())")
    dx, dy = unpack(run(first.backward, 1.0), 2, f"{made} should return (dx, dy)")
    assert_close(dx, 3.0, f"first gate's dx, after a second gate's forward: {made}",
                 variants={shared: 5.0})
    assert_close(dy, 2.0, f"first gate's dy, after a second gate's forward: {made}",
                 variants={shared: -1.0})
    print("AddGate and MultiplyGate: visible tests passed")


@check
def check_max_gate(MaxGate: type) -> None:
    x = np.array([1.0, 5.0, -2.0, 3.0])
    y = np.array([4.0, 2.0, -2.5, 3.0])  # the last entry is a tie
    dout = np.array([0.5, -1.0, 2.0, 1.5])

    forward, backward = _gate_calls(x, y, dout)
    gate = MaxGate()
    assert_close(run(gate.forward, x, y), np.array([4.0, 5.0, -2.0, 3.0]),
                 f"MaxGate().{forward}")
    result = run(gate.backward, dout)
    _two_gradients(result, "MaxGate", backward)
    both = "max routes: only the larger input gets the gradient, the other one gets 0"
    smaller = "the gradient went to the smaller input: max routes it to the larger one"
    tie = "at a tie (x == y, the last entry) send all of dout to x, and none to y"
    assert_close(result[0], np.array([0.0, -1.0, 2.0, 1.5]), f"MaxGate dx of {backward}",
                 variants={both: dout, smaller: np.array([0.5, 0.0, 0.0, 0.0]),
                           tie: np.array([0.0, -1.0, 2.0, 0.0]),
                           tie + " (not half of it)": np.array([0.0, -1.0, 2.0, 0.75])})
    assert_close(result[1], np.array([0.5, 0.0, 0.0, 0.0]), f"MaxGate dy of {backward}",
                 variants={both: dout, smaller: np.array([0.0, -1.0, 2.0, 1.5]),
                           tie: np.array([0.5, 0.0, 0.0, 1.5]),
                           tie + " (not half of it)": np.array([0.5, 0.0, 0.0, 0.75])})
    _, backward = _gate_calls(-1.0, -3.0, 2.0)
    gate = MaxGate()
    run(gate.forward, -1.0, -3.0)
    dx, dy = unpack(run(gate.backward, 2.0), 2, f"MaxGate.{backward} should return (dx, dy)")
    assert_close(dx, 2.0, f"MaxGate dx of {backward}")
    assert_close(dy, 0.0, f"MaxGate dy of {backward}")
    print("MaxGate: visible tests passed")


@check
def check_divide_gate(DivideGate: type) -> None:
    x = np.array([1.0, -2.0, 3.0])
    y = np.array([2.0, 4.0, -0.5])
    dout = np.array([1.0, 0.5, 2.0])

    forward, backward = _gate_calls(x, y, dout)
    gate = DivideGate()
    assert_close(run(gate.forward, x, y), np.array([0.5, -0.5, -6.0]),
                 f"DivideGate().{forward}")
    result = run(gate.backward, dout)
    _two_gradients(result, "DivideGate", backward)
    assert_close(result[0], np.array([0.5, 0.125, -4.0]), f"DivideGate dx of {backward}",
                 variants={
        "the local derivative d(x/y)/dx is 1/y: divide dout by y, do not multiply": dout * y,
    })
    assert_close(result[1], np.array([-0.25, 0.0625, -24.0]), f"DivideGate dy of {backward}",
                 variants={
        "the local derivative d(x/y)/dy is -x/y^2: the square of y is missing": -dout * x / y,
        "multiply does not apply here: d(x/y)/dy is -x/y^2, not x": dout * x,
    })
    _, backward = _gate_calls(3.0, -2.0, 4.0)
    gate = DivideGate()
    run(gate.forward, 3.0, -2.0)
    dx, dy = unpack(run(gate.backward, 4.0), 2, f"DivideGate.{backward} should return (dx, dy)")
    assert_close(dx, -2.0, f"DivideGate dx of {backward}")
    assert_close(dy, -3.0, f"DivideGate dy of {backward}")
    print("DivideGate: visible tests passed")


# ---------------------------------------------------------------------------------------------
# Exercise 2: the Value engine


def _returns_value(out: Any, Value: type, made: str) -> None:
    require(isinstance(out, Value), f"{made} should return a Value, not {type(out).__name__}")


LOCAL = "out.grad = 2.0, then only out._backward()"  # what _local runs, for the hints


def _values(data: tuple[float, ...]) -> str:
    """'a = Value(2.0), b = Value(-3.0)': the operands, as the hints name them."""
    return ", ".join(f"{v} = Value({show(d)})" for v, d in zip("ab", data, strict=False))


def _local(Value: type, expr: str, op: Any, *data: float, upstream: float = 2.0):
    """Run op (written `expr`, e.g. 'a + b') on Values holding `data`, give the result the
    gradient `upstream` and run only the result's own _backward: (the result's data, the
    gradients of the operands)."""
    with calling(f"{_values(data)}; out = {expr}; out.grad = {show(upstream)}; out._backward()"):
        operands = [Value(d) for d in data]
        out = op(*operands)
        _returns_value(out, Value, f"{expr} with {_values(data)}")
        out.grad = upstream
        out._backward()
    return out.data, np.array([v.grad for v in operands])


def _whole(Value: type, expr: str, op: Any, *data: float):
    """Run op (written `expr`) on Values holding `data` and a whole backward pass: (data,
    operand gradients)."""
    with calling(f"{_values(data)}; out = {expr}; out.backward()"):
        operands = [Value(d) for d in data]
        out = op(*operands)
        _returns_value(out, Value, f"{expr} with {_values(data)}")
        out.backward()
    return out.data, np.array([v.grad for v in operands])


def _check_add_mul(Value: type, no_upstream: str) -> None:
    at = "at a = 2.0, b = -3.0"
    data, grads = _local(Value, "a + b", lambda a, b: a + b, 2.0, -3.0)
    assert_close(data, -1.0, f"(a + b).data {at}")
    assert_close(grads, [2.0, 2.0], f"a + b: the gradients of (a, b) {at} ({LOCAL})",
                 variants={"add distributes the whole upstream gradient, it does not split it":
                           [1.0, 1.0], no_upstream: [1.0, 1.0]})

    data, grads = _local(Value, "a * b", lambda a, b: a * b, 2.0, -3.0)
    assert_close(data, -6.0, f"(a * b).data {at}")
    assert_close(grads, [-6.0, 4.0], f"a * b: the gradients of (a, b) {at} ({LOCAL})",
                 variants={"multiply swaps: a gets b times the upstream gradient, b gets a "
                           "times it": [4.0, -6.0], no_upstream: [-3.0, 2.0]})


def _check_pow_exp(Value: type, no_upstream: str) -> None:
    bring_down = "bring the exponent down: d(a^k)/da = k a^(k-1)"
    for k, a, want in [(3, 1.5, 13.5), (-1, 2.0, -0.5), (0.5, 4.0, 0.5)]:
        data, grads = _local(Value, f"a ** {k}", lambda v, k=k: v**k, a)
        assert_close(data, a**k, f"(a ** {k}).data at a = {a}")
        assert_close(grads[0], want, f"a ** {k}: the gradient of a at a = {a} ({LOCAL})",
                     variants={bring_down: 2.0 * a ** (k - 1),
                               "the exponent of a^(k-1) is k - 1, not k": 2.0 * k * a**k})

    data, grads = _local(Value, "a.exp()", lambda v: v.exp(), 0.5)
    assert_close(data, math.exp(0.5), "a.exp().data at a = 0.5")
    assert_close(grads[0], 2.0 * math.exp(0.5),
                 f"a.exp(): the gradient of a at a = 0.5 ({LOCAL})",
                 variants={"the derivative of exp(a) is exp(a) itself, not a": 1.0,
                           no_upstream: math.exp(0.5)})


def _check_tanh(Value: type, no_upstream: str) -> None:
    t = math.tanh(0.7)
    data, grads = _local(Value, "a.tanh()", lambda v: v.tanh(), 0.7)
    assert_close(data, t, "a.tanh().data at a = 0.7")
    assert_close(grads[0], 2.0 * (1 - t**2), f"a.tanh(): the gradient of a at a = 0.7 ({LOCAL})",
                 variants={"tanh' = 1 - tanh(a)^2: the square is missing": 2.0 * (1 - t),
                           "tanh' = 1 - tanh(a)^2, of the output tanh(a), not of the input a":
                               2.0 * (1 - 0.7**2),
                           "that is the sigmoid's derivative; tanh' = 1 - tanh^2":
                               2.0 * t * (1 - t),
                           "tanh' = 1 - out**2 where out = tanh(a) is the forward output; you "
                           "applied tanh again (1 - tanh(out)**2)": 2.0 * (1 - math.tanh(t) ** 2),
                           no_upstream: 1 - t**2})


def _check_relu(Value: type) -> None:
    relu = [_local(Value, "a.relu()", lambda v: v.relu(), a) for a in (1.5, -0.5)]
    assert_close(np.array([r[0] for r in relu]), [1.5, 0.0], "a.relu().data at a = 1.5 and -0.5")
    assert_close(np.array([r[1][0] for r in relu]), [2.0, 0.0],
                 f"a.relu(): the gradient of a at a = 1.5 and -0.5 ({LOCAL})",
                 variants={"relu's gradient is on the wrong side: it passes where a > 0, "
                           "and is 0 where a < 0": [0.0, 2.0]})
    data, grads = _local(Value, "a.relu()", lambda v: v.relu(), 0.0)
    assert_close(data, 0.0, "a.relu().data at a = 0")
    at_zero = ("at a = 0 exactly, relu's gradient is 0 by convention (PyTorch's): pass the "
               "upstream gradient only where a > 0, strictly (use >, not >=)")
    assert_close(grads[0], 0.0, f"a.relu(): the gradient of a at a = 0 ({LOCAL})",
                 variants={at_zero: 2.0, at_zero + ", and not half of it": 1.0})


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
    """Each operation's value and own _backward (upstream gradient 2), then the operators
    written with them, through a whole backward pass."""
    no_upstream = "the upstream gradient out.grad is missing: multiply the local derivative by it"
    _check_add_mul(Value, no_upstream)
    _check_pow_exp(Value, no_upstream)
    _check_tanh(Value, no_upstream)
    _check_relu(Value)
    _check_other_operators(Value)
    print("Value operations: visible tests passed")


@check
def check_value_backward(Value: type) -> None:
    plus_equals = "a value used twice gets the gradient of both uses: accumulate with +=, not ="
    not_started = ("the gradient is 0: backward() should set self.grad = 1 and then walk the "
                   "topological order from the output (reversed), not from the inputs")
    made = "a = Value(3.0); b = a + a; b.backward()"
    with calling(made):
        a = Value(3.0)
        b = a + a
        b.backward()
    assert_close(a.grad, 2.0, f"a.grad after {made}",
                 variants={plus_equals: 1.0, not_started: 0.0})

    made = "a = Value(3.0); c = a * a; c.backward()"
    with calling(made):
        a = Value(3.0)
        c = a * a
        c.backward()
    assert_close(a.grad, 6.0, f"a.grad after {made}",
                 variants={plus_equals: 3.0, not_started: 0.0})

    # An intermediate node used twice: u reaches f directly and through v.
    made = "x = Value(3.0); u = x * x; v = u + 1.0; f = u * v; f.backward()"
    with calling(made):
        x = Value(3.0)
        u = x * x
        v = u + 1.0
        f = u * v
        f.backward()
    assert_close(f.data, 90.0, f"f.data after {made}")
    every_path = ("u passed its gradient on twice (a recursion along every path): visit the "
                  "nodes in a topological order, each once")
    too_early = ("u passed its gradient on before v had added its share: run each node's "
                 "_backward after every node that uses it (reverse topological order)")
    twice = ("a node's _backward ran more than once: build the topological order with a set of "
             "visited nodes, so that each node is in it once")
    assert_close(x.grad, 114.0, f"x.grad after {made}",
                 variants={every_path: 174.0, too_early: 60.0, twice: 228.0, not_started: 0.0})
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
# Exercise 3: a custom torch.autograd.Function


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
    print("Hypot: visible tests passed")


# ---------------------------------------------------------------------------------------------
# Exercise 4: a second derivative


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
