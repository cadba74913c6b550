"""The rules builder's form state: posted fields ↔ a tree of nodes ↔ the API's rule JSON.

Nothing here decides whether a rule is valid: the form is turned into the same JSON the API
takes (values typed as the field catalogue says, wrong input passed on as typed) and the rules
service validates it; its 422 locations (`conditions.all[2].value`) are then attached to the
node or action they name, so the page shows each next to its control.

Form names: the condition tree's root is `r`, its children `r.0`, `r.1`, … (`.kind`, `.field`,
`.key`, `.op`, `.value`, `.high`, `.vtype` per node); actions are `a.0.type`, `a.0.channels` ….
Buttons post `do` (`add:r.1`, `group:r`, `remove:r.0`, `add-action`, `remove-action:2`,
`save`); the hidden first button is `refresh`, so Enter in a field only re-renders the form.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as _field
from typing import Any, Final

from tinko.rules.actions import ACTION_TYPES, CHANNELS, MAX_ACTIONS, OFFER_METHODS
from tinko.rules.conditions import MAX_DEPTH, OPERATORS_BY_KIND
from tinko.rules.fields import CONTEXT_FIELDS, CUSTOMER_FIELD, METADATA_FIELD, field_spec

GROUPS: Final = ("all", "any", "not")
PREFIXED: Final = {CUSTOMER_FIELD: "customer.", METADATA_FIELD: "metadata."}
VALUE_TYPES: Final = ("text", "number", "bool")  # for customer.* / metadata.* values
MAX_FORM_NODES: Final = 200


class Posted:
    """The posted fields, text only (a file upload is not part of this form)."""

    def __init__(self, pairs: Iterable[tuple[str, object]]) -> None:
        self.values: dict[str, list[str]] = {}
        for key, value in pairs:
            if isinstance(value, str):
                self.values.setdefault(key, []).append(value)

    def get(self, key: str, default: str | None = None) -> str | None:
        found = self.values.get(key)
        return found[0] if found else default

    def getlist(self, key: str) -> list[str]:
        return self.values.get(key, [])


@dataclass
class Node:
    """A group (all/any/not) with children, or a comparison (`kind` "cmp")."""

    kind: str = "cmp"
    children: list[Node] = _field(default_factory=list)
    field: str = "category"  # a catalogue key; customer./metadata. ones take `key`
    key: str = ""
    op: str = "eq"
    values: list[str] = _field(default_factory=list)
    high: str = ""  # the upper bound of `between`
    vtype: str = "text"
    path: str = "r"
    depth: int = 1
    errors: dict[str, list[tuple[str, str]]] = _field(default_factory=dict)  # "" = the node itself

    @property
    def kind_of_field(self) -> str:
        spec = CONTEXT_FIELDS.get(self.field)
        return spec.kind if spec else "str"

    @property
    def operators(self) -> tuple[str, ...]:
        return OPERATORS_BY_KIND[self.kind_of_field]

    @property
    def vocabulary(self) -> tuple[str, ...] | None:
        spec = CONTEXT_FIELDS.get(self.field)
        return spec.vocabulary if spec else None

    @property
    def full_field(self) -> str:
        prefix = PREFIXED.get(self.field)
        return prefix + self.key if prefix else self.field

    @property
    def can_add(self) -> bool:
        return self.kind in ("all", "any") or (self.kind == "not" and not self.children)


@dataclass
class ActionRow:
    type: str = "retry"
    after_minutes: str = ""
    window: str = ""
    channels: list[str] = _field(default_factory=list)
    methods: list[str] = _field(default_factory=list)
    errors: dict[str, list[tuple[str, str]]] = _field(default_factory=dict)


@dataclass
class RuleForm:
    rule_id: str = ""
    version: str = ""  # the version being edited: the optimistic-concurrency check
    name: str = ""
    priority: str = "100"
    enabled: bool = True
    root: Node = _field(default_factory=lambda: Node(kind="all", children=[Node()]))
    actions: list[ActionRow] = _field(default_factory=lambda: [ActionRow()])
    # Errors of the rule itself: name, priority, the condition root, the action list.
    errors: dict[str, list[tuple[str, str]]] = _field(default_factory=dict)

    def all_errors(self) -> list[tuple[str, str, str]]:
        """(control id, location, message) for the summary at the top of the page."""
        out = [(f"rule-{key or 'name'}", *e) for key, errs in self.errors.items() for e in errs]
        for node in walk(self.root):
            anchor = node.path.replace(".", "-")
            out += [
                (f"{anchor}-{p or 'node'}", *e) for p, errs in node.errors.items() for e in errs
            ]
        for index, action in enumerate(self.actions):
            out += [
                (f"a-{index}-{p or 'type'}", *e) for p, errs in action.errors.items() for e in errs
            ]
        return out


def walk(node: Node) -> list[Node]:
    out = [node]
    for child in node.children:
        out += walk(child)
    return out


# --- from the stored JSON ------------------------------------------------------------------


def from_rule(rule_id: str, version: int, body: Mapping[str, Any]) -> RuleForm:
    root = node_from_json(body["conditions"])
    if root.kind == "cmp":  # the builder edits groups; {all: [c]} means the same as c
        root = Node(kind="all", children=[root])
    form = RuleForm(
        rule_id=rule_id,
        version=str(version),
        name=str(body["name"]),
        priority=str(body["priority"]),
        enabled=bool(body["enabled"]),
        root=root,
        actions=[action_from_json(a) for a in body["actions"]],
    )
    number(form.root, "r", 1)
    return form


def node_from_json(raw: Mapping[str, Any]) -> Node:
    for kind in GROUPS:
        if kind in raw:
            body = raw[kind]
            children = [body] if kind == "not" else list(body)
            return Node(kind=kind, children=[node_from_json(c) for c in children])
    name, value = str(raw["field"]), raw["value"]
    node = Node(field=name, op=str(raw["op"]))
    for catalogue, prefix in PREFIXED.items():
        if name.startswith(prefix):
            node.field, node.key = catalogue, name[len(prefix) :]
    items = list(value) if isinstance(value, list | tuple) else [value]
    node.vtype = _vtype(items[0]) if items else "text"
    if node.op == "between" and len(items) == 2:
        node.values, node.high = [_text(items[0])], _text(items[1])
    elif node.op in ("in", "not_in") and node.vocabulary is None:
        node.values = [", ".join(_text(item) for item in items)]
    else:
        node.values = [_text(item) for item in items]
    return node


def action_from_json(raw: Mapping[str, Any]) -> ActionRow:
    after = raw.get("after_minutes")
    return ActionRow(
        type=str(raw["type"]),
        after_minutes="" if after is None else str(after),
        window=str(raw.get("window") or ""),
        channels=[str(c) for c in raw.get("channels", [])],
        methods=[str(m) for m in raw.get("methods", [])],
    )


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _vtype(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    return "number" if isinstance(value, int | float) else "text"


# --- from the posted form ------------------------------------------------------------------


def from_form(form: Posted) -> RuleForm:
    counter = [0]
    root = node_from_form(form, "r", counter) or Node(kind="all")
    if root.kind == "cmp":
        root = Node(kind="all", children=[root])
    actions = []
    for index in range(MAX_ACTIONS + 1):
        kind = form.get(f"a.{index}.type")
        if kind is None:
            break
        actions.append(
            ActionRow(
                type=str(kind),
                after_minutes=str(form.get(f"a.{index}.after_minutes") or "").strip(),
                window=str(form.get(f"a.{index}.window") or ""),
                channels=[str(c) for c in form.getlist(f"a.{index}.channels")],
                methods=[str(m) for m in form.getlist(f"a.{index}.methods")],
            )
        )
    return RuleForm(
        rule_id=str(form.get("rule_id") or ""),
        version=str(form.get("version") or ""),
        name=str(form.get("name") or ""),
        priority=str(form.get("priority") or "").strip(),
        enabled=form.get("enabled") == "on",
        root=root,
        actions=actions,
    )


def node_from_form(form: Posted, path: str, counter: list[int]) -> Node | None:
    kind = form.get(f"{path}.kind")
    counter[0] += 1
    if kind is None or counter[0] > MAX_FORM_NODES:
        return None
    kind = str(kind)
    if kind in GROUPS:
        children = []
        for index in range(MAX_FORM_NODES):
            child = node_from_form(form, f"{path}.{index}", counter)
            if child is None:
                break
            children.append(child)
        return Node(kind=kind, children=children)
    chosen = str(form.get(f"{path}.field") or "category")
    node = Node(
        field=chosen if chosen in CONTEXT_FIELDS else "category",
        key=str(form.get(f"{path}.key") or "").strip(),
        op=str(form.get(f"{path}.op") or "eq"),
        values=[str(v) for v in form.getlist(f"{path}.value")],
        high=str(form.get(f"{path}.high") or "").strip(),
        vtype=str(form.get(f"{path}.vtype") or "text"),
    )
    if node.op not in node.operators:  # the field changed: keep the form consistent
        node.op = node.operators[0]
    if node.vtype not in VALUE_TYPES:
        node.vtype = "text"
    return node


# --- editing commands ----------------------------------------------------------------------


def apply(form: RuleForm, command: str) -> None:
    """Add or remove a condition, group or action (`do` of the button pressed)."""
    verb, _, target = command.partition(":")
    if verb == "add-action" and len(form.actions) < MAX_ACTIONS:
        form.actions.append(ActionRow())
    elif verb == "remove-action" and target.isdigit() and int(target) < len(form.actions):
        del form.actions[int(target)]
    elif verb in ("add", "group"):
        number(form.root, "r", 1)
        parent = find(form.root, target)
        if parent is not None and parent.can_add:
            new = Node() if verb == "add" else Node(kind="all", children=[Node()])
            if verb == "add" or parent.depth + 2 <= MAX_DEPTH:
                parent.children.append(new)
    elif verb == "remove" and "." in target:
        number(form.root, "r", 1)
        parent = find(form.root, target.rsplit(".", 1)[0])
        index = target.rsplit(".", 1)[1]
        if parent is not None and index.isdigit() and int(index) < len(parent.children):
            del parent.children[int(index)]
    number(form.root, "r", 1)


def find(node: Node, path: str) -> Node | None:
    for candidate in walk(node):
        if candidate.path == path:
            return candidate
    return None


def number(node: Node, path: str, depth: int) -> None:
    node.path, node.depth = path, depth
    for index, child in enumerate(node.children):
        number(child, f"{path}.{index}", depth + 1)


# --- to the API's JSON ---------------------------------------------------------------------


def to_body(form: RuleForm) -> dict[str, Any]:
    """The JSON a PUT/POST takes; input that does not fit is passed on for the service to
    reject at its location."""
    priority: object = form.priority
    if form.priority.lstrip("-").isdigit():
        priority = int(form.priority)
    return {
        "name": form.name,
        "priority": priority,
        "enabled": form.enabled,
        "conditions": node_to_json(form.root),
        "actions": [action_to_json(a) for a in form.actions],
    }


def node_to_json(node: Node) -> object:
    if node.kind == "not":
        # A `not` holds one condition; anything else goes on as a list, for the 422 to mark.
        only = node.children[0] if len(node.children) == 1 else None
        return {"not": node_to_json(only) if only else [node_to_json(c) for c in node.children]}
    if node.kind in GROUPS:
        return {node.kind: [node_to_json(child) for child in node.children]}
    return {"field": node.full_field, "op": node.op, "value": _value(node)}


def _value(node: Node) -> object:
    first = node.values[0].strip() if node.values else ""
    if node.op == "exists":
        return _typed(first, "bool")
    kind = _kind(node)
    if node.op == "between":
        return [_typed(first, kind), _typed(node.high, kind)]
    if node.op in ("in", "not_in"):
        if node.vocabulary is not None:
            return list(node.values)
        return [_typed(part.strip(), kind) for part in first.split(",") if part.strip()]
    return _typed(first, kind)


def _kind(node: Node) -> str:
    spec = field_spec(node.full_field) or CONTEXT_FIELDS.get(node.field)
    kind = spec.kind if spec else "str"
    if kind == "any":
        return node.vtype
    return {"number": "number", "bool": "bool"}.get(kind, "text")


def _typed(text: str, kind: str) -> object:
    if kind == "bool":
        return {"true": True, "false": False}.get(text, text)
    if kind == "number":
        try:
            return int(text)
        except ValueError:
            pass
        try:
            value = float(text)
        except ValueError:
            return text
        return value if math.isfinite(value) else text
    return text


def action_to_json(action: ActionRow) -> dict[str, object]:
    out: dict[str, object] = {"type": action.type}
    after: object = action.after_minutes
    if action.after_minutes.isdigit():
        after = int(action.after_minutes)
    if action.type in ("retry", "send_link") and action.after_minutes:
        out["after_minutes"] = after
    if action.type == "retry" and action.window:
        out["window"] = action.window
    if action.type == "send_link":
        out["channels"] = list(action.channels)
    if action.type == "offer_methods":
        out["methods"] = list(action.methods)
    return out


# --- the service's errors, back on the form ------------------------------------------------


def attach(form: RuleForm, errors: Sequence[Mapping[str, Any]]) -> None:
    """Puts each `{loc, msg}` (loc as the API gives it, `body` first) on its control."""
    number(form.root, "r", 1)
    for error in errors:
        loc = [part for part in error.get("loc", []) if part != "body"]
        msg = (loc_text(loc), str(error.get("msg", "")))
        if loc and loc[0] == "conditions":
            _on_node(form.root, loc[1:], msg)
        elif loc and loc[0] == "actions" and len(loc) > 1 and isinstance(loc[1], int):
            if loc[1] < len(form.actions):
                part = str(loc[2]) if len(loc) > 2 else ""
                form.actions[loc[1]].errors.setdefault(part, []).append(msg)
            else:
                form.errors.setdefault("actions", []).append(msg)
        else:
            form.errors.setdefault(str(loc[0]) if loc else "", []).append(msg)


def _on_node(node: Node, rest: list[Any], msg: tuple[str, str]) -> None:
    if node.kind in ("all", "any") and len(rest) >= 2 and rest[0] == node.kind:
        index = rest[1]
        if isinstance(index, int) and index < len(node.children):
            _on_node(node.children[index], rest[2:], msg)
            return
    if node.kind == "not" and rest and rest[0] == "not" and len(node.children) == 1:
        _on_node(node.children[0], rest[1:], msg)
        return
    part = str(rest[0]) if rest and rest[0] in ("field", "op", "value") else ""
    if node.kind == "cmp" and part == "field" and node.field in PREFIXED:
        part = "key"
    node.errors.setdefault(part, []).append(msg)


def loc_text(loc: Sequence[Any]) -> str:
    """`["body", "conditions", "all", 2, "value"]` → `conditions.all[2].value`."""
    out = ""
    for part in loc:
        if part == "body":
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


CHOICES: Final = {
    "action_types": ACTION_TYPES,
    "channels": CHANNELS,
    "methods": OFFER_METHODS,
    "fields": tuple(CONTEXT_FIELDS),
    "value_types": VALUE_TYPES,
}
