"""LaTeX in markdown as HTML text (Unicode symbols, <sub>, <sup>, a/b fractions), for pages that
must read without a network: the feedback that learners download (see feedback.MathToText).

    latex_to_html(tex, display)   one formula; its LaTeX source in <code> when it uses what this
                                  converter does not read (environments, alignment)
    math_to_html(markdown)        every $...$ and $$...$$ outside code replaced
"""

from __future__ import annotations

import html
import re

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
