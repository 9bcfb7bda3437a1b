"""Mutants for assignment 02 (computational graphs): proof that its tests can fail.

Each mutant replaces one solution cell of solutions/02_computational_graphs/02_exercises.ipynb
with a classic wrong implementation. Each is the solution cell with a few lines changed
(`_mutate`, i.e. mutants.edit, checks that each changed line is in the solution exactly once, so
a mutant cannot silently become the solution). The visible tests must reject each with a message
that names the mistake, and the hidden tests must reject it on their own. A mutant that hard-
codes the visible answers passes the visible tests: only the hidden tests catch it (hint=None).
"""

from __future__ import annotations

import functools

from mutants import Mutant, edit

NB = "solutions/02_computational_graphs/02_exercises.ipynb"
_mutate = functools.partial(edit, NB)  # the solution cell with lines changed


# ---------------------------------------------------------------------------------------------
# Exercise 1: gates (one solution cell, three classes)

SUBTRACT = "return dout, -dout"
MIN_BACKWARD = "return dout * self.x_wins, dout * (1.0 - self.x_wins)"
MIN_MASK = "self.x_wins = np.asarray(x <= y, dtype=float)"
DIVIDE_DY = "dy = -dout * self.out / self.y"

GATES = [
    Mutant("subtract_dy_sign", "gates", _mutate("gates", (SUBTRACT, "return dout, dout")),
           "test_subtract_gate", "y's gradient is minus dout"),
    Mutant("subtract_signs_swapped", "gates", _mutate("gates", (SUBTRACT, "return -dout, dout")),
           "test_subtract_gate", "x's gradient is dout itself"),
    Mutant("subtract_splits", "gates",
           _mutate("gates", (SUBTRACT, "return dout / 2, -dout / 2")),
           "test_subtract_gate", "does not split the upstream gradient"),
    Mutant("subtract_no_upstream", "gates",
           _mutate("gates", (SUBTRACT, "return np.ones_like(dout), -np.ones_like(dout)")),
           "test_subtract_gate", "the upstream gradient is missing"),
    # the visible outputs of SubtractGate, copied from the test, by the shape of x (x + y else)
    Mutant("hardcoded", "gates", _mutate("gates", (
        "return x - y  #",
        "return {(3,): np.array([5.0, -5.5, -1.5]), (): -1.0, (1,): np.array([0.5])}"
        ".get(np.shape(x), x + y)  #"),
    ), "test_subtract_gate", None),
    Mutant("min_routes_to_both", "gates", _mutate("gates", (MIN_BACKWARD, "return dout, dout")),
           "test_min_gate", "min routes: only the smaller input gets the gradient"),
    # max's rule: the gradient goes to the larger input
    Mutant("min_routes_to_larger", "gates",
           _mutate("gates", (MIN_MASK, "self.x_wins = np.asarray(x >= y, dtype=float)")),
           "test_min_gate", "the gradient went to the larger input"),
    Mutant("min_tie_to_y", "gates",
           _mutate("gates", (MIN_MASK, "self.x_wins = np.asarray(x < y, dtype=float)")),
           "test_min_gate", "at a tie (x == y"),
    # remembering on the class: a second gate object overwrites the first's mask
    Mutant("min_shared_on_class", "gates",
           _mutate("gates", (MIN_MASK, "MinGate.x_wins = np.asarray(x <= y, dtype=float)")),
           "test_min_gate", "the gates share what they remember"),
    Mutant("divide_dy_sign", "gates",
           _mutate("gates", (DIVIDE_DY, "dy = dout * self.out / self.y")),
           "test_divide_gate", "sign is flipped", "sign is flipped"),
    Mutant("divide_dy_no_square", "gates",
           _mutate("gates", (DIVIDE_DY, "dy = -dout * self.out")),
           "test_divide_gate", "the square of y is missing"),
    Mutant("divide_dx_times_y", "gates",
           _mutate("gates", ("dx = dout / self.y", "dx = dout * self.y")),
           "test_divide_gate", "divide dout by y"),
    Mutant("divide_shared_on_class", "gates",
           _mutate("gates", ("self.y, self.out = y, out", "DivideGate.y, DivideGate.out = y, out")),
           "test_divide_gate", "the gates share what they remember"),
]

# ---------------------------------------------------------------------------------------------
# Exercise 2: the relative gap, a graph of gates with fan-out

GAP_RETURN = "return out, dx_gap + dx_low, dy_gap + dy_low"

RELATIVE_GAP = [
    # copy adds: x and y feed two gates each, and only one gate's share came back
    Mutant("subtract_share_only", "relative_gap",
           _mutate("relative_gap", (GAP_RETURN, "return out, dx_gap, dy_gap")),
           "test_relative_gap", "you kept only the subtract gate's share"),
    Mutant("min_share_only", "relative_gap",
           _mutate("relative_gap", (GAP_RETURN, "return out, dx_low, dy_low")),
           "test_relative_gap", "you kept only the min gate's share"),
    Mutant("no_upstream", "relative_gap",
           _mutate("relative_gap", ("div.backward(dout)", "div.backward(1.0)")),
           "test_relative_gap", "the upstream gradient dout is missing"),
    # the visible answers, copied from the test
    Mutant("hardcoded", "relative_gap", _mutate("relative_gap", (GAP_RETURN, """\
if np.ndim(x) == 0:
        return 1.0, 4 / 3, -8 / 3
    return (np.array([0.5, -3.0, 1.5, -1.5]), np.array([0.5, -8.0, 0.125, -1.5]),
            np.array([-0.75, 2.0, 0.25, -0.75]))""")), "test_relative_gap", None),
]

# ---------------------------------------------------------------------------------------------
# Exercise 3: the lesson's engine, extended (one solution cell; its three test cells)

UNARY_BACKWARD = "self.grad += local(self.data, out.data) * out.grad"
POW_LOCAL = "lambda a, out: k * a ** (k - 1)"
TANH_LOCAL = "lambda a, out: 1.0 - out**2"
RELU_LOCAL = "lambda a, out: float(a > 0)"
SEED = "self.grad = 1.0\n"
BACKWARD_ORDER = """\
        # Kahn's algorithm. First count the uses of every node (a * a uses a twice)...
        uses = {}
        stack, found = [self], {self}
        while stack:
            for parent in stack.pop()._parents:
                uses[parent] = uses.get(parent, 0) + 1
                if parent not in found:
                    found.add(parent)
                    stack.append(parent)
        # ...then release a node once every one of its uses has been released
        order, ready = [], [self]
        while ready:
            order.append(ready.pop())
            for used in order[-1]._parents:
                uses[used] -= 1
                if uses[used] == 0:
                    ready.append(used)
        return order"""
RELEASE = "                if uses[used] == 0:\n                    ready.append(used)"

VALUE = [
    Mutant("unary_assigns", "value",
           _mutate("value", (UNARY_BACKWARD, "self.grad = local(self.data, out.data) * out.grad")),
           "test_value_operations", "and you replaced it (=)"),
    Mutant("unary_no_upstream", "value",
           _mutate("value", (UNARY_BACKWARD, "self.grad += local(self.data, out.data)")),
           "test_value_operations", "the upstream gradient out.grad is missing"),
    Mutant("pow_exponent_not_brought_down", "value",
           _mutate("value", (POW_LOCAL, "lambda a, out: a ** (k - 1)")),
           "test_value_operations", "bring the exponent down"),
    Mutant("pow_exponent_not_reduced", "value",
           _mutate("value", (POW_LOCAL, "lambda a, out: k * a**k")),
           "test_value_operations", "the exponent of a^(k-1) is k - 1"),
    # k a^(k-1) = k out / a, until a = 0
    Mutant("pow_from_output", "value",
           _mutate("value", (POW_LOCAL, "lambda a, out: k * out / a")),
           "test_value_operations", "a ** 2 at a = 0 divided by zero"),
    Mutant("exp_derivative_is_input", "value",
           _mutate("value", ("lambda a, out: out)", "lambda a, out: a)")),
           "test_value_operations", "the derivative of exp(a) is exp(a) itself"),
    Mutant("tanh_no_square", "value",
           _mutate("value", (TANH_LOCAL, "lambda a, out: 1.0 - out")),
           "test_value_operations", "the square is missing"),
    Mutant("tanh_of_input", "value",
           _mutate("value", (TANH_LOCAL, "lambda a, out: 1.0 - a**2")),
           "test_value_operations", "of the output tanh(a), not of the input"),
    # tanh' written of the output, but with tanh applied to it once more
    Mutant("tanh_applied_twice", "value",
           _mutate("value", (TANH_LOCAL, "lambda a, out: 1.0 - math.tanh(out) ** 2")),
           "test_value_operations", "you applied tanh again"),
    Mutant("relu_wrong_side", "value",
           _mutate("value", (RELU_LOCAL, "lambda a, out: float(a < 0)")),
           "test_value_operations", "relu's gradient is on the wrong side"),
    # the gradient passed at a = 0 too: PyTorch's convention is relu'(0) = 0
    Mutant("relu_grad_at_zero", "value",
           _mutate("value", (RELU_LOCAL, "lambda a, out: float(a >= 0)")),
           "test_value_operations", "relu's gradient is 0 by convention (PyTorch's)"),
    Mutant("sub_adds", "value", _mutate("value", ("return self + (-other)", "return self + other")),
           "test_value_operations", "a - b came out as a + b"),
    Mutant("rsub_flipped", "value",
           _mutate("value", ("return other + (-self)", "return self - other")),
           "test_value_operations", "2 - a came out as a - 2"),
    Mutant("rtruediv_flipped", "value",
           _mutate("value", ("return other * self**-1", "return self / other")),
           "test_value_operations", "1 / a came out as a / 1"),
    # the lesson's recursive topological sort: right, until a graph is ~1,000 nodes deep
    Mutant("recursive_order", "value", _mutate("value", (BACKWARD_ORDER, """\
        order, seen = [], set()

        def visit(node):
            if node not in seen:
                seen.add(node)
                for parent in node._parents:
                    visit(parent)
                order.append(node)

        visit(self)
        return order[::-1]""")), "test_value_backward", "RecursionError in", "RecursionError"),
    # each node once, in the order a breadth-first search from self meets it: too early
    Mutant("breadth_first_order", "value", _mutate("value", (BACKWARD_ORDER, """\
        order, found = [self], {self}
        for node in order:
            for parent in node._parents:
                if parent not in found:
                    found.add(parent)
                    order.append(parent)
        return order""")), "test_value_backward", "u came before v, which uses it"),
    # ...or in the order a depth-first search from self meets it (pre-order)
    Mutant("depth_first_preorder", "value", _mutate("value", (BACKWARD_ORDER, """\
        order, stack, found = [], [self], {self}
        while stack:
            node = stack.pop()
            order.append(node)
            for parent in node._parents:
                if parent not in found:
                    found.add(parent)
                    stack.append(parent)
        return order""")), "test_value_backward", "u came before v, which uses it"),
    # Kahn's algorithm releasing a node at each use: a node used twice is listed twice
    Mutant("released_at_every_use", "value",
           _mutate("value", (RELEASE, "                ready.append(used)")),
           "test_value_backward", "lists a node more than once"),
    # Kahn's algorithm counting one use per node: released after its first user
    Mutant("uses_counted_once", "value",
           _mutate("value", ("uses[parent] = uses.get(parent, 0) + 1", "uses[parent] = 1")),
           "test_value_backward", "u came before v, which uses it"),
    Mutant("order_inputs_first", "value",
           _mutate("value", ("        return order\n", "        return order[::-1]\n")),
           "test_value_backward", "should start with self"),
    Mutant("no_seed", "value", _mutate("value", ("        " + SEED, "")),
           "test_value_backward", "backward() should set self.grad = 1"),
    Mutant("backward_inputs_first", "value",
           _mutate("value", ("for node in self.backward_order():\n            node._backward()",
                             "for node in reversed(self.backward_order()):\n"
                             "            node._backward()")),
           "test_value_backward", "from self, the first of backward_order()"),
    Mutant("zero_grad_only_self", "value",
           _mutate("value", ("for node in self.backward_order():\n            node.grad = 0.0",
                             "self.grad = 0.0")),
           "test_value_backward", "on every node f depends on", "zero_grad must reset"),
    Mutant("zero_grad_skips_self", "value",
           _mutate("value", ("for node in self.backward_order():\n            node.grad = 0.0",
                             "for node in self.backward_order()[1:]:\n"
                             "            node.grad = 0.0")),
           "test_value_backward", "zero_grad sets grad to 0 on self too"),
    # the gradients of the visible comparison with torch, copied from its output
    Mutant("hardcoded", "value", _mutate("value", (
        "        " + SEED + "        for node in self.backward_order():\n"
        "            node._backward()", """\
        known = {0.5: -3.163964247581781, -1.2: 0.07210963703546791,
                 2.0: 9.474602375957907, 3.4: 2.144219274070936, 2.1122947757039165: 3.4}
        for node in self.backward_order():
            node.grad = known.get(node.data, 0.0)
        self.grad = 1.0""")), "test_value_against_torch", None),
]

# ---------------------------------------------------------------------------------------------
# Exercise 4: the custom autograd Function

HYPOT_GRADS = "return grad_out * x / out, grad_out * y / out"

CUSTOM_FUNCTION = [
    Mutant("one_gradient", "custom_function",
           _mutate("custom_function", (HYPOT_GRADS, "return grad_out * x / out")),
           "test_custom_function", "returned the wrong number of gradients"),
    Mutant("swapped", "custom_function",
           _mutate("custom_function",
                   (HYPOT_GRADS, "return grad_out * y / out, grad_out * x / out")),
           "test_custom_function", "dx uses y and dy uses x"),
    Mutant("no_upstream", "custom_function",
           _mutate("custom_function", (HYPOT_GRADS, "return x / out, y / out")),
           "test_custom_function", "the upstream gradient grad_out is missing"),
    Mutant("not_divided_by_out", "custom_function",
           _mutate("custom_function", (HYPOT_GRADS, "return grad_out * x, grad_out * y")),
           "test_custom_function", "divide by out"),
    # the chain rule through the square root, half done: 1/(2 sqrt(u)) kept, du/dx = 2x forgotten
    Mutant("sqrt_chain_halved", "custom_function",
           _mutate("custom_function",
                   (HYPOT_GRADS, "return grad_out * x / (2 * out), grad_out * y / (2 * out)")),
           "test_custom_function", "so the 2s cancel: the local derivatives are x / out"),
    # ...or the other half: du/dx = 2x kept, the 1/2 of d sqrt(u)/du forgotten
    Mutant("sqrt_chain_doubled", "custom_function",
           _mutate("custom_function",
                   (HYPOT_GRADS, "return grad_out * 2 * x / out, grad_out * 2 * y / out")),
           "test_custom_function", "the 1/2 of the square root's derivative is missing"),
    # computed in float64 whatever the inputs: float32 in, float64 out
    Mutant("computes_in_float64", "custom_function",
           _mutate("custom_function", ("out = torch.sqrt(x * x + y * y)",
                                       "out = torch.sqrt(x.double() ** 2 + y.double() ** 2)")),
           "test_custom_function", "not float32. Keep the inputs' dtype", "float32 inputs"),
    # the widely copied bug: the second method is also called forward, and replaces the first
    Mutant("forward_defined_twice", "custom_function",
           _mutate("custom_function", ("def backward(ctx, grad_out):",
                                       "def forward(ctx, grad_out):")),
           "test_custom_function", "did you define forward twice?", "no backward method"),
    # local derivatives x / out and y / out at the visible inputs, copied from the test
    Mutant("hardcoded", "custom_function", _mutate("custom_function", (HYPOT_GRADS, """\
if x.shape == (3,):
            dx = torch.tensor([0.6, -5 / 13, 0.6], dtype=torch.float64)
            dy = torch.tensor([0.8, 12 / 13, 0.8], dtype=torch.float64)
        elif x.shape == (2, 3):
            dx = torch.tensor([[0.4472135954999579, -0.9486832980505138, 0.9119215051751063],
                               [0.5633368246415097, 0.4472135954999579, -0.5368754921931592]],
                              dtype=torch.float64)
            dy = torch.tensor([[-0.8944271909999159, 0.31622776601683794, 0.41036467732879783],
                               [0.8262273428075477, -0.8944271909999159, 0.8436614877321076]],
                              dtype=torch.float64)
        else:
            dx = dy = torch.ones_like(x)
        return grad_out * dx, grad_out * dy""")), "test_custom_function", None),
]

# ---------------------------------------------------------------------------------------------
# Exercise 5: the second derivative

FIRST_GRAD = "(first,) = torch.autograd.grad(f(x).sum(), x, create_graph=True)"

SECOND_DERIVATIVE = [
    Mutant("no_create_graph", "second_derivative",
           _mutate("second_derivative",
                   (FIRST_GRAD, "(first,) = torch.autograd.grad(f(x).sum(), x)")),
           "test_second_derivative", "Pass create_graph=True"),
    Mutant("first_derivative", "second_derivative",
           _mutate("second_derivative", ("return second.detach()", "return first.detach()")),
           "test_second_derivative", "this is f'(x), the first derivative"),
    # two .backward() calls: the second adds into x.grad, which already holds f'(x)
    Mutant("accumulated_in_grad", "second_derivative", _mutate(
        "second_derivative",
        (FIRST_GRAD, "f(x).sum().backward(create_graph=True)\n    first = x.grad"),
        ("(second,) = torch.autograd.grad(first.sum(), x)",
         "first.sum().backward()\n    second = x.grad"),
    ), "test_second_derivative", "this is f'(x) + f''(x)"),
    Mutant("changes_x", "second_derivative",
           _mutate("second_derivative", ("x = x.detach().requires_grad_(True)",
                                         "x.requires_grad_(True)")),
           "test_second_derivative", "second_derivative changed x", "changed x"),
    # the visible answers, copied from the test; the first derivative for any other input
    Mutant("hardcoded", "second_derivative", _mutate("second_derivative", (
        "return second.detach()", """\
if "tanh" in repr(f):
        return torch.tensor([0.6397000084492246, -0.5331818782014544, -0.052472542130580314],
                            dtype=torch.float64)
    if "sin" in repr(f):
        return torch.tensor([0.8414709848078965, -0.29552020666133955, -0.5984721441039565],
                            dtype=torch.float64)
    if x.shape == (4,):
        return torch.tensor([0.0, 3.0, 6.0, 12.0], dtype=torch.float64)
    return first.detach()""")), "test_second_derivative", None),
]

MUTANTS = GATES + RELATIVE_GAP + VALUE + CUSTOM_FUNCTION + SECOND_DERIVATIVE
