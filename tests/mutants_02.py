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
# Exercise 1: gates (one solution cell, four classes)

MAX_BACKWARD = "return dout * x_wins, dout * (1 - x_wins)"
DIVIDE_DY = "dy = -dout * self.x / self.y**2"

GATES = [
    Mutant("add_splits", "gates", _mutate("gates", ("return dout, dout",
                                                    "return dout / 2, dout / 2")),
           "test_add_multiply_gates", "does not split its upstream gradient"),
    Mutant("multiply_no_swap", "gates",
           _mutate("gates", ("return dout * self.y, dout * self.x",
                             "return dout * self.x, dout * self.y")),
           "test_add_multiply_gates", "multiply swaps"),
    Mutant("multiply_no_upstream", "gates",
           _mutate("gates", ("return dout * self.y, dout * self.x", "return self.y, self.x")),
           "test_add_multiply_gates", "the upstream gradient is missing"),
    # remembering the inputs on the class: a second gate object overwrites the first's inputs
    Mutant("multiply_shared_cache", "gates",
           _mutate("gates", ("self.x, self.y = x, y\n        return x * y",
                             "MultiplyGate.x, MultiplyGate.y = x, y\n        return x * y")),
           "test_add_multiply_gates", "the gates share what they remember"),
    Mutant("max_routes_to_both", "gates", _mutate("gates", (MAX_BACKWARD, "return dout, dout")),
           "test_max_gate", "max routes: only the larger input gets the gradient"),
    Mutant("max_routes_to_smaller", "gates",
           _mutate("gates", ("x_wins = self.x >= self.y", "x_wins = self.x < self.y")),
           "test_max_gate", "the gradient went to the smaller input"),
    Mutant("max_tie_to_neither", "gates",
           _mutate("gates", (MAX_BACKWARD,
                             "return dout * (self.x > self.y), dout * (self.x < self.y)")),
           "test_max_gate", "at a tie (x == y"),
    Mutant("divide_dy_sign", "gates",
           _mutate("gates", (DIVIDE_DY, "dy = dout * self.x / self.y**2")),
           "test_divide_gate", "sign is flipped", "sign is flipped"),
    Mutant("divide_dy_no_square", "gates",
           _mutate("gates", (DIVIDE_DY, "dy = -dout * self.x / self.y")),
           "test_divide_gate", "the square of y is missing"),
    Mutant("divide_dx_times_y", "gates",
           _mutate("gates", ("dx = dout / self.y", "dx = dout * self.y")),
           "test_divide_gate", "divide dout by y"),
    # the visible answers of AddGate and MultiplyGate, copied from the test
    Mutant("hardcoded", "gates", _mutate(
        "gates",
        ("return x + y", "return np.array([-1.0, 2.5, 2.5])"),
        ("return dout, dout", "return np.array([1.0, 2.0, -0.5]), np.array([1.0, 2.0, -0.5])"),
        ("return x * y", "return np.array([-6.0, -6.0, 1.0])"),
        ("return dout * self.y, dout * self.x",
         "if np.ndim(dout) == 0:\n            return 3.0, 2.0\n"
         "        return np.array([-3.0, 8.0, -1.0]), np.array([2.0, -3.0, -0.25])"),
    ), "test_add_multiply_gates", None, "wrong shape"),
]

# ---------------------------------------------------------------------------------------------
# Exercise 2: the Value engine (one solution cell; its three test cells)

TOPO_BACKWARD = """        order, seen = [], set()

        def visit(node):
            if node not in seen:
                seen.add(node)
                for parent in node._parents:
                    visit(parent)
                order.append(node)

        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()"""


def _backward(body: str) -> str:
    return _mutate("value", (TOPO_BACKWARD, body))


VALUE = [
    Mutant("add_assigns", "value",
           _mutate("value", ("self.grad += out.grad\n            other.grad += out.grad",
                             "self.grad = out.grad\n            other.grad = out.grad")),
           "test_value_backward", "accumulate with +=, not ="),
    Mutant("mul_assigns", "value",
           _mutate("value", ("self.grad += other.data * out.grad\n"
                             "            other.grad += self.data * out.grad",
                             "self.grad = other.data * out.grad\n"
                             "            other.grad = self.data * out.grad")),
           "test_value_backward", "accumulate with +=, not ="),
    # the classic recursive backward, without a topological order: right on trees, wrong as
    # soon as an intermediate node is reused (it passes its gradient on once per path)
    Mutant("recursive_every_path", "value", _backward("""        self.grad = 1.0

        def propagate(node):
            node._backward()
            for parent in node._parents:
                propagate(parent)

        propagate(self)"""), "test_value_backward", "a recursion along every path"),
    Mutant("depth_first_order", "value", _backward("""        self.grad = 1.0
        seen = set()

        def propagate(node):
            seen.add(node)
            node._backward()
            for parent in node._parents:
                if parent not in seen:
                    propagate(parent)

        propagate(self)"""), "test_value_backward", "before v had added its share"),
    Mutant("topo_without_visited", "value",
           _mutate("value", ("            if node not in seen:\n                seen.add(node)\n"
                             "                for parent in node._parents:\n"
                             "                    visit(parent)\n"
                             "                order.append(node)",
                             "            for parent in node._parents:\n"
                             "                visit(parent)\n"
                             "            order.append(node)")),
           "test_value_backward", "build the topological order with a set of visited nodes"),
    Mutant("topo_not_reversed", "value",
           _mutate("value", ("for node in reversed(order):", "for node in order:")),
           "test_value_backward", "walk the topological order from the output"),
    Mutant("no_seed", "value", _mutate("value", ("        self.grad = 1.0\n        for node",
                                                 "        for node")),
           "test_value_backward", "backward() should set self.grad = 1"),
    Mutant("zero_grad_only_self", "value",
           _mutate("value", ("""        stack, seen = [self], set()
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                node.grad = 0.0
                stack.extend(node._parents)""", "        self.grad = 0.0")),
           "test_value_backward", "on every node f depends on", "zero_grad must reset"),
    Mutant("pow_exponent_not_brought_down", "value",
           _mutate("value", ("self.grad += k * self.data ** (k - 1) * out.grad",
                             "self.grad += self.data ** (k - 1) * out.grad")),
           "test_value_operations", "bring the exponent down"),
    Mutant("pow_exponent_not_reduced", "value",
           _mutate("value", ("self.grad += k * self.data ** (k - 1) * out.grad",
                             "self.grad += k * self.data**k * out.grad")),
           "test_value_operations", "the exponent of a^(k-1) is k - 1"),
    Mutant("mul_no_upstream", "value",
           _mutate("value", ("self.grad += other.data * out.grad\n"
                             "            other.grad += self.data * out.grad",
                             "self.grad += other.data\n            other.grad += self.data")),
           "test_value_operations", "the upstream gradient out.grad is missing"),
    Mutant("exp_derivative_is_input", "value",
           _mutate("value", ("self.grad += out.data * out.grad",
                             "self.grad += self.data * out.grad")),
           "test_value_operations", "the derivative of exp(a) is exp(a) itself"),
    Mutant("tanh_no_square", "value",
           _mutate("value", ("(1.0 - out.data**2)", "(1.0 - out.data)")),
           "test_value_operations", "the square is missing"),
    Mutant("tanh_of_input", "value",
           _mutate("value", ("(1.0 - out.data**2)", "(1.0 - self.data**2)")),
           "test_value_operations", "of the output tanh(a), not of the input"),
    # tanh' written of the output, but with tanh applied to it once more
    Mutant("tanh_applied_twice", "value",
           _mutate("value", ("(1.0 - out.data**2)", "(1.0 - math.tanh(out.data) ** 2)")),
           "test_value_operations", "you applied tanh again"),
    Mutant("relu_wrong_side", "value",
           _mutate("value", ("(self.data > 0)", "(self.data < 0)")),
           "test_value_operations", "relu's gradient is on the wrong side"),
    # the gradient passed at a = 0 too: PyTorch's convention is relu'(0) = 0
    Mutant("relu_grad_at_zero", "value",
           _mutate("value", ("(self.data > 0)", "(self.data >= 0)")),
           "test_value_operations", "relu's gradient is 0 by convention (PyTorch's)"),
    Mutant("sub_adds", "value", _mutate("value", ("return self + (-other)", "return self + other")),
           "test_value_operations", "a - b came out as a + b"),
    Mutant("rsub_flipped", "value",
           _mutate("value", ("return other + (-self)", "return self - other")),
           "test_value_operations", "2 - a came out as a - 2"),
    Mutant("rtruediv_flipped", "value",
           _mutate("value", ("return other * self**-1", "return self / other")),
           "test_value_operations", "1 / a came out as a / 1"),
    # the gradients of the visible comparison with torch, copied from its output
    Mutant("hardcoded", "value", _backward("""\
        known = {0.5: -3.163964247581781, -1.2: 0.07210963703546791,
                 2.0: 9.474602375957907, 3.4: 2.144219274070936, 2.1122947757039165: 3.4}
        stack, seen = [self], set()
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                node.grad = known.get(node.data, 0.0)
                stack.extend(node._parents)
        self.grad = 1.0"""), "test_value_against_torch", None),
]

# ---------------------------------------------------------------------------------------------
# Exercise 3: the custom autograd Function

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
# Exercise 4: the second derivative

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

MUTANTS = GATES + VALUE + CUSTOM_FUNCTION + SECOND_DERIVATIVE
