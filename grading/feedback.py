"""Feedback preprocessor: learners see that a hidden test failed and its hint, never the test.

nbgrader autogrades with the instructor's version of every test cell, hidden region included, so
the autograded notebook (and nbgrader's default feedback) would show the hidden tests' source and
the traceback lines that quote them. This preprocessor, run by `nbgrader generate_feedback`
(see nbgrader_config.py), removes the hidden region from the source and cuts the traceback of
every error in such a cell down to its last line: the exception and its message (the hint). Other
outputs of such a cell are dropped.
"""

from __future__ import annotations

import regions
from nbgrader.preprocessors import NbGraderPreprocessor

PLACEHOLDER = "# (hidden tests: run by the grader, not shown)"


def hide_region(source: str) -> tuple[str, bool]:
    """Return the source with every hidden region replaced by one placeholder line."""
    return regions.remove(source, "hidden", PLACEHOLDER), regions.has(source, "hidden")


def short_error(output: dict) -> dict:
    """An error output reduced to `Name: message`, with no traceback lines."""
    ename, evalue = output.get("ename", "Error"), output.get("evalue", "")
    output["traceback"] = [f"{ename}: {evalue}" if evalue else ename]
    return output


class HideHiddenTests(NbGraderPreprocessor):
    """Strip hidden tests and their tracebacks from the notebook before it becomes feedback."""

    def preprocess_cell(self, cell, resources, index):
        source, found = hide_region(cell.source)
        if found:
            cell.source = source
            # Only the errors survive: anything a hidden test printed could reveal it.
            cell.outputs = [
                short_error(o) for o in cell.get("outputs", []) if o.get("output_type") == "error"
            ]
        return cell, resources


# ---------------------------------------------------------------------------------------------
# The hint first, wrapped; math that reads without a network.

from bp2yolo.validate import hint_lines, rewrap  # noqa: E402


class HintsFirst(NbGraderPreprocessor):
    """Every error in a graded cell as its hint, hard-wrapped to 80 columns: the traceback that
    bp2yolo.checks already shortened stays (wrapped), a full traceback through the package
    becomes `Name: message` and the notebook line. Runs after HideHiddenTests, which has cut
    the errors of hidden tests to one line; those are only wrapped."""

    def preprocess_cell(self, cell, resources, index):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") != "code" or not meta.get("grade"):
            return cell, resources
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                if regions.has(cell.source, "hidden") or PLACEHOLDER in cell.source:
                    output["traceback"] = rewrap(output["traceback"])
                else:
                    output["traceback"] = hint_lines(output, cell.get("execution_count"))
        return cell, resources


# Outputs wrap instead of running off the right edge; math converted by MathToText reads as
# text in a serif font (display math on its own line).
CSS = """
div.output_area pre, div.output_subarea pre, div.output_text pre {
  white-space: pre-wrap;
  overflow-wrap: anywhere;
}
span.math { font-family: "Latin Modern Math", "STIX Two Math", "Cambria Math", serif; }
span.math.display { display: block; text-align: center; margin: 0.5em 0; }
span.math sub, span.math sup { font-size: 75%; }
"""


class FeedbackStyle(NbGraderPreprocessor):
    """Adds CSS to the feedback page (nbgrader's template inlines resources['inlining']['css'])."""

    def preprocess(self, nb, resources):
        resources.setdefault("inlining", {}).setdefault("css", []).append(CSS)
        return nb, resources


import html  # noqa: E402
import re  # noqa: E402

SYMBOLS = {
    **{name: chr(0x3B1 + i) for i, name in enumerate(
        "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi "
        "rho varsigma sigma tau upsilon phi chi psi omega".split())},
    **{name.capitalize(): chr(0x391 + i) for i, name in enumerate(
        "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi "
        "rho _ sigma tau upsilon phi chi psi omega".split()) if name != "_"},
    "varepsilon": "ε", "vartheta": "ϑ", "varphi": "φ", "ell": "ℓ",
    "partial": "∂", "nabla": "∇", "infty": "∞", "cdot": "·", "times": "×", "div": "÷",
    "pm": "±", "mp": "∓", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "ne": "≠", "neq": "≠",
    "approx": "≈", "sim": "∼", "equiv": "≡", "propto": "∝", "to": "→", "rightarrow": "→",
    "leftarrow": "←", "Rightarrow": "⇒", "Leftarrow": "⇐", "iff": "⇔", "mapsto": "↦",
    "gets": "←", "in": "∈", "notin": "∉", "subset": "⊂", "cup": "∪", "cap": "∩",
    "forall": "∀", "exists": "∃", "sum": "Σ", "prod": "Π", "int": "∫", "odot": "⊙",
    "otimes": "⊗", "oplus": "⊕", "circ": "∘", "ast": "∗", "star": "⋆", "top": "⊤",
    "intercal": "⊤", "prime": "′", "ldots": "…", "dots": "…", "cdots": "⋯", "vdots": "⋮",
    "ddots": "⋱", "mid": "|", "vert": "|", "Vert": "‖", "lVert": "‖", "rVert": "‖",
    "|": "‖", "lvert": "|", "rvert": "|", "langle": "⟨", "rangle": "⟩", "lfloor": "⌊",
    "rfloor": "⌋", "lceil": "⌈", "rceil": "⌉", "{": "{", "}": "}", "%": "%", "$": "$",
    "#": "#", "&": "&", "_": "_", "quad": "\u2003", "qquad": "\u2003\u2003", ",": "\u2009",
    ";": "\u2005", ":": "\u2005", "!": "", " ": " ", "\\": " ", "neg": "¬", "land": "∧",
    "lor": "∨", "emptyset": "∅", "hbar": "ℏ", "Re": "ℜ", "Im": "ℑ",
    **{name: name for name in "log ln exp sin cos tan tanh sinh cosh max min arg argmax argmin "
       "sup inf lim det tr sign softmax sigmoid ReLU".split()},
}
ACCENTS = {"hat": "\u0302", "widehat": "\u0302", "bar": "\u0304", "overline": "\u0305",
           "tilde": "\u0303", "widetilde": "\u0303", "vec": "\u20d7", "dot": "\u0307",
           "ddot": "\u0308"}
FONTS = {"text": "", "textrm": "", "mathrm": "", "operatorname": "", "mathit": "i",
         "textit": "i", "mathbf": "b", "textbf": "b", "boldsymbol": "b", "bm": "b",
         "mathsf": "", "mathtt": "", "texttt": "", "mbox": "", "mathcal": ""}
BLACKBOARD = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "E": "𝔼"}
SIZES = {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr",
         "displaystyle", "textstyle", "scriptstyle", "limits", "nolimits"}
CHARS = {"*": "∗", "'": "′", "-": "−", "|": "&#124;", "[": "&#91;", "]": "&#93;"}
VULGAR = {("1", "2"): "½", ("1", "3"): "⅓", ("2", "3"): "⅔", ("1", "4"): "¼", ("3", "4"): "¾"}
TOKEN = re.compile(r"\\([A-Za-z]+|.)|([{}^_])|(\s+)|(.)", re.S)


class LatexError(ValueError):
    """A formula this converter does not read (it is then shown as its LaTeX source)."""


def _parse(tokens: list, end: str | None = None) -> str:
    """HTML for tokens up to `end` ('}' or None), consuming them from the front of the list."""
    out: list[str] = []
    while tokens:
        command, special, space, char = tokens.pop(0)
        if special == "}":
            if end != "}":
                raise LatexError("unbalanced }")
            return "".join(out)
        if special == "{":
            out.append(_parse(tokens, "}"))
        elif special in ("^", "_"):
            tag = "sup" if special == "^" else "sub"
            out.append(f"<{tag}>{_argument(tokens)}</{tag}>")
        elif space:
            out.append(" ")
        elif char:
            if char in "&":
                raise LatexError("alignment")
            out.append(CHARS.get(char) or html.escape(char))
        else:
            out.append(_command(command, tokens))
    if end:
        raise LatexError("unbalanced {")
    return "".join(out)


def _argument(tokens: list) -> str:
    """HTML for one argument: a {group}, a command or one character."""
    while tokens and tokens[0][2]:  # spaces
        tokens.pop(0)
    if not tokens:
        raise LatexError("missing argument")
    command, special, _, char = tokens.pop(0)
    if special == "{":
        return _parse(tokens, "}")
    if special:
        raise LatexError(f"unexpected {special}")
    return _command(command, tokens) if command else html.escape(char)


def _parenthesised(text: str) -> str:
    plain = re.sub(r"<[^>]+>", "", text)
    return text if re.fullmatch(r"[\w.′∂]+", plain) else f"({text})"


def _command(name: str, tokens: list) -> str:
    if name in ("frac", "tfrac", "dfrac"):
        top, bottom = _argument(tokens), _argument(tokens)
        if (top, bottom) in VULGAR:
            return VULGAR[top, bottom]
        return f"{_parenthesised(top)}/{_parenthesised(bottom)}"
    if name == "sqrt":
        return "√" + _parenthesised(_argument(tokens))
    if name in ACCENTS:
        return _argument(tokens) + ACCENTS[name]
    if name in FONTS:
        tag, text = FONTS[name], _argument(tokens)
        return f"<{tag}>{text}</{tag}>" if tag else text
    if name == "mathbb":
        text = _argument(tokens)
        return "".join(BLACKBOARD.get(c, c) for c in text)
    if name in SIZES:
        if tokens and tokens[0][3] == ".":
            tokens.pop(0)
        return ""
    if name in ("begin", "end", "\\", "cr", "hline"):
        raise LatexError("environments are not converted")
    symbol = SYMBOLS.get(name)
    if symbol is None:
        return html.escape("\\" + name)
    if (symbol.isalpha() or symbol in "∂∇") and tokens and tokens[0][2]:
        tokens.pop(0)  # the space that ends a name: "\partial L" is ∂L, but "N \times D" keeps it
    return symbol


def latex_to_html(tex: str, display: bool = False) -> str:
    """A formula as HTML text (Unicode symbols, <sub>, <sup>), or its LaTeX source in <code>
    when it uses something this converter does not read (environments, alignment)."""
    kind = "math display" if display else "math"
    try:
        body = _parse([m.groups() for m in TOKEN.finditer(tex.strip())])
    except LatexError:
        delimiter = "$$" if display else "$"
        return f'<code class="{kind}">{html.escape(delimiter + tex + delimiter)}</code>'
    return f'<span class="{kind}">{body}</span>'


MATH = re.compile(r"(?<!\\)\$\$(?P<display>.+?)(?<!\\)\$\$|(?<![$\\])\$(?P<inline>[^$\n]+?)"
                  r"(?<![$\\])\$", re.S)
CODE = re.compile(r"(^```.*?^```[^\n]*$|^~~~.*?^~~~[^\n]*$|`[^`\n]+`)", re.S | re.M)


def math_to_html(markdown: str) -> str:
    """Markdown with every $...$ and $$...$$ outside code replaced by HTML text."""
    parts = CODE.split(markdown)
    for i in range(0, len(parts), 2):  # even parts are outside code
        parts[i] = MATH.sub(
            lambda m: latex_to_html(m["display"], True) if m["display"] is not None
            else latex_to_html(m["inline"]), parts[i])
    return "".join(parts)


class MathToText(NbGraderPreprocessor):
    """Math in markdown cells as HTML text, so that the feedback reads without a network.

    nbgrader's feedback template loads MathJax from a CDN; offline (a learner opening the file
    from an LMS download, a proxy, a locked-down lab) the page showed raw `$\\frac{1}{2}...$`.
    Converted here, math reads the same everywhere: symbols, subscripts and superscripts,
    fractions as a/b. A formula the converter does not read shows as its LaTeX source.
    """

    def preprocess_cell(self, cell, resources, index):
        if cell.get("cell_type") == "markdown":
            cell.source = math_to_html(cell.source)
        return cell, resources
