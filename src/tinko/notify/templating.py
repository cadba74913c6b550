"""Merchant templates: a small, checked subset of Jinja2, rendered in the sandbox.

A template is accepted only if it parses and uses nothing but printing, `if`, `for`, equality
tests and a list of filters whose arguments cannot make them raise, over the variables in
`VARIABLES` (always supplied as strings, or a list of strings for `alternate_methods`). That is
what makes "accepted at save time" mean "cannot fail at send time": attribute and item access,
calls, arithmetic, ordering comparisons, `set`, macros, includes and imports are refused with
the line they are on. Rendering still runs in Jinja2's `SandboxedEnvironment` with
`StrictUndefined`, as a second wall should a check ever miss something.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment

VARIABLES: Final[Mapping[str, str]] = {
    "customer_name": "the customer's name (may be empty)",
    "amount": "the amount with its currency, formatted for the locale (₹499.00)",
    "currency": "the ISO 4217 currency code (INR)",
    "merchant": "your organisation's name",
    "link": "the signed link to the payment page",
    "expiry": "when the link stops working, in your time zone, formatted for the locale",
    "reason": "why the payment failed, in plain words, in the message's language",
    "alternate_methods": "other ways to pay, a list of names in the message's language",
}
LIST_VARIABLES: Final = frozenset({"alternate_methods"})
MAX_SOURCE_CHARS: Final = 20_000

_PLAIN_FILTERS: Final = frozenset(
    {"upper", "lower", "title", "capitalize", "trim", "escape", "e", "length", "count"}
    | {"striptags", "wordcount", "string"}
)
_COUNTING: Final = frozenset({"length", "count", "wordcount"})  # these yield numbers
_NEEDS_TEXT: Final = frozenset({"length", "count", "join", "truncate"})  # these take len()
_TESTS: Final = frozenset({"defined", "undefined", "none", "string"})
_STRUCTURE: Final = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.Const,
    nodes.If,
    nodes.And,
    nodes.Or,
    nodes.Not,
    nodes.Concat,
)


@dataclass(frozen=True)
class TemplateProblem:
    field: str  # subject | body | html
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.field}, line {self.line}: {self.message}"


class TemplateRejected(ValueError):
    def __init__(self, problems: Sequence[TemplateProblem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = list(problems)


_text_env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
_html_env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=True)


def check_source(source: str, field: str) -> None:
    """Raise TemplateRejected naming the line of the first thing not allowed in `source`."""
    if len(source) > MAX_SOURCE_CHARS:
        raise TemplateRejected(
            [TemplateProblem(field, 1, f"longer than {MAX_SOURCE_CHARS} characters")]
        )
    try:
        tree = _text_env.parse(source)
    except TemplateSyntaxError as exc:
        line = exc.lineno or 1
        syntax = TemplateProblem(field, line, exc.message or "syntax error")
        raise TemplateRejected([syntax]) from None
    forbidden = next(_forbidden(tree, field), None)
    if forbidden is not None:
        raise TemplateRejected([forbidden])
    unknown = next(_unknown_names(tree, frozenset(VARIABLES)), None)
    if unknown is not None:
        name, line = unknown
        if name == "loop":
            message = "`loop` is not available in templates; name the loop's item instead"
        else:
            message = f"unknown variable {name!r}; known: {', '.join(VARIABLES)}"
        raise TemplateRejected([TemplateProblem(field, line, message)])


def render_text(source: str, variables: Mapping[str, object]) -> str:
    return _text_env.from_string(source).render(variables)


def render_html(source: str, variables: Mapping[str, object]) -> str:
    return _html_env.from_string(source).render(variables)


def _unknown_names(node: nodes.Node, known: frozenset[str]) -> Iterator[tuple[str, int]]:
    """Names read that are neither documented nor the item of an enclosing loop, in order.

    Jinja2's own globals (`range`, `lipsum`, `cycler`, `self`, `loop`…) are not undeclared
    to it, so `meta.find_undeclared_variables` lets them through; they would print reprs.
    """
    if isinstance(node, nodes.Name):
        if node.ctx == "load" and node.name not in known:
            yield node.name, node.lineno or 1
        return
    if isinstance(node, nodes.For):
        # The iterable and the `else` block are outside the loop; the item exists in the body.
        target: nodes.Name = node.target  # type: ignore[assignment]  # checked by _why_not
        if target.name == "loop":
            yield "loop", node.lineno or 1
            return
        inside = known | {target.name}
        yield from _unknown_names(node.iter, known)
        for child in [*([node.test] if node.test else []), *node.body]:
            yield from _unknown_names(child, inside)
        for child in node.else_:
            yield from _unknown_names(child, known)
        return
    for child in node.iter_child_nodes():
        yield from _unknown_names(child, known)


def _forbidden(node: nodes.Node, field: str) -> Iterator[TemplateProblem]:
    reason = _why_not(node)
    if reason is not None:
        yield TemplateProblem(field, node.lineno or 1, reason)
        return
    for child in node.iter_child_nodes():
        yield from _forbidden(child, field)


def _why_not(node: nodes.Node) -> str | None:
    if isinstance(node, nodes.Name):
        return None if node.ctx in ("load", "store") else "this use of a name is not allowed"
    if isinstance(node, nodes.For):
        simple = isinstance(node.target, nodes.Name) and isinstance(node.iter, nodes.Name)
        if node.recursive or not simple or node.iter.name not in LIST_VARIABLES:  # type: ignore[attr-defined]
            lists = " or ".join(sorted(LIST_VARIABLES))
            return f"a loop must be `{{% for item in {lists} %}}`"
        if next(node.find_all(nodes.For), None) is not None:
            return "loops cannot be nested"  # output must stay proportional to the data
        return None
    if isinstance(node, nodes.CondExpr):
        return None if node.expr2 is not None else "an inline `if` needs an `else`"
    if isinstance(node, nodes.Compare):
        ops = {operand.op for operand in node.ops}
        return None if ops <= {"eq", "ne"} else "only == and != comparisons are allowed"
    if isinstance(node, nodes.Operand):
        return None
    if isinstance(node, nodes.Filter):
        return _filter_problem(node)
    if isinstance(node, nodes.Test):
        if node.name not in _TESTS or node.args or node.kwargs:
            return f"test {node.name!r} is not allowed; use one of {', '.join(sorted(_TESTS))}"
        return None
    if isinstance(node, _STRUCTURE):
        return None
    if isinstance(node, nodes.Getattr | nodes.Getitem):
        return "attribute and item access are not allowed in templates"
    if isinstance(node, nodes.Call):
        return "calling functions is not allowed in templates"
    return f"`{type(node).__name__}` is not allowed in templates"


def _filter_problem(node: nodes.Filter) -> str | None:
    if node.kwargs or node.dyn_args or node.dyn_kwargs:
        return f"filter {node.name!r}: only plain arguments are allowed"
    args = node.args
    if node.name in _NEEDS_TEXT and not _yields_text(node.node):
        return f"filter {node.name!r} applies to variables and quoted text only"
    if node.name in _PLAIN_FILTERS:
        return None if not args else f"filter {node.name!r} takes no arguments"
    if node.name in ("default", "d"):
        return None if len(args) == 1 else "filter 'default' takes exactly one value"
    if node.name == "join":
        ok = not args or (len(args) == 1 and _const(args[0], str))
        return None if ok else "filter 'join' takes one quoted separator"
    if node.name == "truncate":
        length = args[0] if len(args) == 1 else None
        ok = isinstance(length, nodes.Const) and _const(length, int)
        ok = ok and 10 <= length.value <= MAX_SOURCE_CHARS  # type: ignore[union-attr]
        return None if ok else "filter 'truncate' takes one length, 10 or more"
    allowed = sorted(_PLAIN_FILTERS | {"default", "join", "truncate"})
    return f"filter {node.name!r} is not allowed; use one of {', '.join(allowed)}"


def _yields_text(node: nodes.Node | None) -> bool:
    """True when `node` evaluates to a string or a list of strings, never a number or bool."""
    if isinstance(node, nodes.Name | nodes.Concat):
        return True
    if isinstance(node, nodes.Const):
        return isinstance(node.value, str)
    if isinstance(node, nodes.Filter):
        if node.name in _COUNTING:
            return False
        if node.name in ("default", "d"):
            return _yields_text(node.node) and all(_yields_text(arg) for arg in node.args)
        return node.name != "join" or _yields_text(node.node)
    if isinstance(node, nodes.CondExpr):
        return _yields_text(node.expr1) and _yields_text(node.expr2)
    if isinstance(node, nodes.And | nodes.Or):
        return _yields_text(node.left) and _yields_text(node.right)
    return False


def _const(node: nodes.Node, kind: type) -> bool:
    return (
        isinstance(node, nodes.Const)
        and isinstance(node.value, kind)
        and not isinstance(node.value, bool)
    )
