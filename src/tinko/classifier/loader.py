"""Read and validate the YAML tables under ``tinko/classifier/data``.

Every file starts with ``meta`` (kind, public sources, the day the facts were taken);
anything malformed raises ``ClassifierDataError`` naming the file and the key.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable, Mapping
from datetime import date
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Final, cast

from tinko.classifier.checks import Ctx
from tinko.classifier.errors import ClassifierDataError
from tinko.classifier.model import CATEGORIES, PAYMENT_METHODS
from tinko.classifier.tables import (
    AlternatesConfig,
    CategoryInfo,
    CodeTable,
    MessagePattern,
    Row,
    Tables,
    VisaTable,
    normalize_code,
)
from tinko.classifier.yamlio import parse_yaml

_KINDS: Final = ("categories", "alternates", "codes", "visa_categories", "message_patterns")
_ROLES: Final = ("psp_decline", "psp_error", "network", "advice")
_ROW_FIELDS: Final = frozenset(
    {"category", "decline_type", "recommended_action", "cooldown_seconds", "reason"}
    | {"confidence", "generic", "force_category", "methods"}
)
_CATEGORY_FIELDS: Final = frozenset(
    {"decline_type", "retryable", "cooldown_seconds", "recommended_action", "reason", "alternates"}
)

Source = Path | Traversable


def _read(source: Source) -> tuple[Ctx, dict[str, Any], dict[str, Any]]:
    ctx = Ctx(source.name)
    doc = parse_yaml(source.read_text(encoding="utf-8"), ctx.file)
    top = ctx.mapping(doc, "(document)")
    meta = ctx.mapping(ctx.required(top, "meta", ""), "meta")
    kind = ctx.required(meta, "kind", "meta")
    if kind not in _KINDS:
        raise ctx.fail("meta.kind", f"unknown kind {kind!r}")
    sources = ctx.string_list(ctx.required(meta, "sources", "meta"), "meta.sources")
    if not all(s.startswith("https://") for s in sources):
        raise ctx.fail("meta.sources", "every source must be an https:// URL")
    ctx.day(ctx.required(meta, "retrieved", "meta"), "meta.retrieved")
    return ctx, meta, top


# -- categories -------------------------------------------------------------------------


def _categories(ctx: Ctx, top: Mapping[str, Any]) -> dict[str, CategoryInfo]:
    data = ctx.mapping(ctx.required(top, "categories", ""), "categories")
    out: dict[str, CategoryInfo] = {}
    for name, raw in data.items():
        key = f"categories.{name}"
        ctx.category(name, key)
        body = ctx.mapping(raw, key)
        for extra in set(body) - _CATEGORY_FIELDS:
            raise ctx.fail(f"{key}.{extra}", "unknown field")
        for f in sorted(_CATEGORY_FIELDS):
            ctx.required(body, f, key)
        decline_type = ctx.decline_type(body["decline_type"], f"{key}.decline_type")
        retryable = ctx.flag(body["retryable"], f"{key}.retryable")
        if retryable != (decline_type == "soft"):
            raise ctx.fail(f"{key}.retryable", "must be true for soft and false for hard")
        if decline_type == "hard" and body["cooldown_seconds"] != 0:
            raise ctx.fail(f"{key}.cooldown_seconds", "a hard decline has no cooldown")
        alternates = ctx.mapping(body["alternates"], f"{key}.alternates")
        out[name] = CategoryInfo(
            name=name,
            decline_type=decline_type,
            retryable=retryable,
            cooldown_seconds=ctx.seconds(body["cooldown_seconds"], f"{key}.cooldown_seconds"),
            recommended_action=ctx.action(body["recommended_action"], f"{key}.recommended_action"),
            reason=ctx.text(body["reason"], f"{key}.reason"),
            alternates_india=ctx.methods(
                ctx.required(alternates, "india", f"{key}.alternates"), f"{key}.alternates.india"
            ),
            alternates_default=ctx.methods(
                ctx.required(alternates, "default", f"{key}.alternates"),
                f"{key}.alternates.default",
            ),
        )
    missing = [c for c in CATEGORIES if c not in out]
    if missing:
        raise ctx.fail("categories", f"missing categories: {', '.join(missing)}")
    return out


# -- rows and code tables ---------------------------------------------------------------


def _row(
    ctx: Ctx,
    raw: object,
    key: str,
    source: str,
    categories: Mapping[str, CategoryInfo],
    default_confidence: float,
    generic_confidence: float,
    allow_methods: bool = True,
) -> Row:
    body = ctx.mapping(raw, key)
    for extra in set(body) - _ROW_FIELDS:
        raise ctx.fail(f"{key}.{extra}", "unknown field")
    cat = categories[ctx.category(ctx.required(body, "category", key), f"{key}.category")]
    generic = ctx.flag(body.get("generic", False), f"{key}.generic")
    conf_default = generic_confidence if generic else default_confidence
    decline_type = ctx.decline_type(
        body.get("decline_type", cat.decline_type), f"{key}.decline_type"
    )
    # A row that flips its category's soft/hard label must not inherit the other label's
    # next step or waiting time.
    flipped = decline_type != cat.decline_type
    action_default = (
        ("retry_later" if decline_type == "soft" else "do_not_retry") if flipped else None
    )
    if decline_type == "hard":
        cooldown = ctx.seconds(body.get("cooldown_seconds", 0), f"{key}.cooldown_seconds")
        if cooldown:
            raise ctx.fail(f"{key}.cooldown_seconds", "a hard decline has no cooldown")
    elif flipped and "cooldown_seconds" not in body:
        raise ctx.fail(
            f"{key}.cooldown_seconds", "missing required field (soft row, hard category)"
        )
    else:
        cooldown = ctx.seconds(
            body.get("cooldown_seconds", cat.cooldown_seconds), f"{key}.cooldown_seconds"
        )
    row = Row(
        source=source,
        category=cat.name,
        decline_type=decline_type,
        recommended_action=ctx.action(
            body.get("recommended_action", action_default or cat.recommended_action),
            f"{key}.recommended_action",
        ),
        cooldown_seconds=cooldown,
        reason=ctx.text(body.get("reason", cat.reason), f"{key}.reason"),
        confidence=ctx.unit(body.get("confidence", conf_default), f"{key}.confidence"),
        generic=generic,
        force_category=ctx.flag(body.get("force_category", False), f"{key}.force_category"),
    )
    if "methods" not in body:
        return row
    if not allow_methods:
        raise ctx.fail(f"{key}.methods", "method overrides cannot be nested")
    by_method: dict[str, Row] = {}
    for method, override in ctx.mapping(body["methods"], f"{key}.methods").items():
        mkey = f"{key}.methods.{method}"
        if method not in PAYMENT_METHODS:
            raise ctx.fail(mkey, f"unknown payment method {method!r}")
        merged = {k: v for k, v in body.items() if k != "methods"}
        merged.update(ctx.mapping(override, mkey))
        by_method[method] = _row(
            ctx, merged, mkey, source, categories, default_confidence, generic_confidence, False
        )
    return dataclasses.replace(row, by_method=by_method)


def _rows(
    ctx: Ctx,
    raw: object,
    key: str,
    prefix: str,
    categories: Mapping[str, CategoryInfo],
    confidence: float,
    generic_confidence: float,
) -> dict[str, Row]:
    out: dict[str, Row] = {}
    for code, body in ctx.mapping(raw, key).items():
        norm = normalize_code(code)
        if not norm:
            raise ctx.fail(f"{key}.{code!r}", "empty code")
        if norm in out:
            raise ctx.fail(f"{key}.{code}", "duplicate key (after case/space normalisation)")
        source = f"{prefix}:{code.strip()}"
        out[norm] = _row(
            ctx, body, f"{key}.{code}", source, categories, confidence, generic_confidence
        )
    return out


def _code_table(
    ctx: Ctx,
    meta: Mapping[str, Any],
    top: Mapping[str, Any],
    categories: Mapping[str, CategoryInfo],
) -> CodeTable:
    name = ctx.text(ctx.required(meta, "name", "meta"), "meta.name")
    role = ctx.required(meta, "role", "meta")
    if role not in _ROLES:
        raise ctx.fail("meta.role", f"unknown role {role!r}")
    gateways = frozenset(
        g.lower() for g in ctx.string_list(meta.get("gateways", []), "meta.gateways")
    )
    if role.startswith("psp") and not gateways:
        raise ctx.fail("meta.gateways", "a PSP table must name its gateways")
    confidence = ctx.unit(ctx.required(meta, "confidence", "meta"), "meta.confidence")
    generic_conf = ctx.unit(meta.get("generic_confidence", 0.4), "meta.generic_confidence")
    rows = _rows(
        ctx, ctx.required(top, "codes", ""), "codes", name, categories, confidence, generic_conf
    )
    overrides: dict[str, dict[str, Row]] = {}
    for network, raw in ctx.mapping(top.get("network_overrides", {}), "network_overrides").items():
        overrides[network.lower()] = _rows(
            ctx,
            raw,
            f"network_overrides.{network}",
            f"{name}.{network.lower()}",
            categories,
            confidence,
            generic_conf,
        )
    for extra in set(top) - {"meta", "codes", "network_overrides"}:
        raise ctx.fail(extra, "unknown top-level key")
    return CodeTable(name, role, gateways, rows, overrides)


# -- visa categories, message patterns, alternates -----------------------------------


def _visa(ctx: Ctx, meta: Mapping[str, Any], top: Mapping[str, Any]) -> VisaTable:
    rules_from = ctx.day(ctx.required(meta, "rules_from", "meta"), "meta.rules_from")
    history: dict[str, tuple[tuple[date, int], ...]] = {}
    for code, entries in ctx.mapping(ctx.required(top, "codes", ""), "codes").items():
        key = f"codes.{code}"
        if not isinstance(entries, list) or not entries:
            raise ctx.fail(key, "must be a non-empty list of {category, effective_from}")
        dated: list[tuple[date, int]] = []
        for i, raw in enumerate(entries):
            body = ctx.mapping(raw, f"{key}[{i}]")
            for extra in set(body) - {"category", "effective_from", "note"}:
                raise ctx.fail(f"{key}[{i}].{extra}", "unknown field")
            cat = ctx.required(body, "category", f"{key}[{i}]")
            if cat not in (1, 2, 3, 4):
                raise ctx.fail(f"{key}[{i}].category", f"Visa category must be 1-4, got {cat!r}")
            when = ctx.day(ctx.required(body, "effective_from", f"{key}[{i}]"), f"{key}[{i}]")
            if dated and when <= dated[-1][0]:
                raise ctx.fail(f"{key}[{i}].effective_from", "dates must increase")
            dated.append((when, cat))
        norm = normalize_code(code)
        if norm in history:
            raise ctx.fail(key, "duplicate key (after case/space normalisation)")
        history[norm] = tuple(dated)
    return VisaTable(rules_from=rules_from, history=history)


def _messages(
    ctx: Ctx,
    meta: Mapping[str, Any],
    top: Mapping[str, Any],
    categories: Mapping[str, CategoryInfo],
) -> tuple[MessagePattern, ...]:
    confidence = ctx.unit(ctx.required(meta, "confidence", "meta"), "meta.confidence")
    out: list[MessagePattern] = []
    for name, raw in ctx.mapping(ctx.required(top, "patterns", ""), "patterns").items():
        key = f"patterns.{name}"
        body = dict(ctx.mapping(raw, key))
        pattern = ctx.text(body.pop("regex", None), f"{key}.regex")
        try:
            regex = re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            raise ctx.fail(f"{key}.regex", f"bad regular expression: {exc}") from None
        row = _row(ctx, body, key, f"message:{name}", categories, confidence, confidence / 2)
        out.append(MessagePattern(name, regex, row))
    return tuple(out)


def _alternates(ctx: Ctx, top: Mapping[str, Any]) -> AlternatesConfig:
    india = ctx.mapping(ctx.required(top, "india", ""), "india")
    aliases = ctx.mapping(ctx.required(top, "method_aliases", ""), "method_aliases")
    for alias, target in aliases.items():
        if target not in PAYMENT_METHODS:
            raise ctx.fail(f"method_aliases.{alias}", f"unknown payment method {target!r}")
    by_method = ctx.mapping(ctx.required(top, "by_method", ""), "by_method")
    india_map: dict[str, tuple[str, ...]] = {}
    default_map: dict[str, tuple[str, ...]] = {}
    for method, raw in by_method.items():
        key = f"by_method.{method}"
        if method not in PAYMENT_METHODS:
            raise ctx.fail(key, f"unknown payment method {method!r}")
        body = ctx.mapping(raw, key)
        india_map[method] = ctx.methods(ctx.required(body, "india", key), f"{key}.india")
        default_map[method] = ctx.methods(ctx.required(body, "default", key), f"{key}.default")
    return AlternatesConfig(
        india_countries=frozenset(
            c.upper() for c in ctx.string_list(ctx.required(india, "countries", "india"), "india")
        ),
        india_gateways=frozenset(
            g.lower() for g in ctx.string_list(ctx.required(india, "gateways", "india"), "india")
        ),
        india_networks=frozenset(
            n.lower() for n in ctx.string_list(india.get("card_networks", []), "india")
        ),
        method_aliases={normalize_code(k): str(v) for k, v in aliases.items()},
        card_networks=frozenset(
            n.lower()
            for n in ctx.string_list(ctx.required(top, "card_networks", ""), "card_networks")
        ),
        by_method_india=india_map,
        by_method_default=default_map,
    )


# -- entry points -------------------------------------------------------------------------


def load_data_file(source: Source, categories: Mapping[str, CategoryInfo] | None = None) -> object:
    """Load and validate one data file; returns the validated table for its ``meta.kind``.

    Code tables resolve their defaults from ``categories`` (the packaged categories.yaml
    when not given).
    """
    ctx, meta, top = _read(source)
    kind = meta["kind"]
    if kind == "categories":
        return _categories(ctx, top)
    if kind == "alternates":
        return _alternates(ctx, top)
    if kind == "visa_categories":
        return _visa(ctx, meta, top)
    cats = categories if categories is not None else _packaged_categories()
    if kind == "message_patterns":
        return _messages(ctx, meta, top, cats)
    return _code_table(ctx, meta, top, cats)


def data_dir() -> Traversable:
    return resources.files("tinko.classifier") / "data"


def _packaged_categories() -> dict[str, CategoryInfo]:
    loaded = load_data_file(data_dir() / "categories.yaml", categories={})
    return cast(dict[str, CategoryInfo], loaded)


def load_tables(directory: Source | None = None) -> Tables:
    """Load every ``*.yaml`` in ``directory`` (default: the packaged data) into ``Tables``."""
    root = directory if directory is not None else data_dir()
    files = sorted((f for f in root.iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name)
    by_name = {f.name: f for f in files}
    if "categories.yaml" not in by_name:
        raise ClassifierDataError(str(root), None, "categories.yaml is missing")
    categories = cast(dict[str, CategoryInfo], load_data_file(by_name["categories.yaml"], {}))
    code_tables: dict[str, CodeTable] = {}
    visa: VisaTable | None = None
    messages: tuple[MessagePattern, ...] = ()
    alternates: AlternatesConfig | None = None
    for f in files:
        if f.name == "categories.yaml":
            continue
        loaded = load_data_file(f, categories)
        if isinstance(loaded, CodeTable):
            if loaded.name in code_tables:
                raise ClassifierDataError(f.name, "meta.name", f"table {loaded.name!r} twice")
            code_tables[loaded.name] = loaded
        elif isinstance(loaded, VisaTable):
            visa = loaded
        elif isinstance(loaded, AlternatesConfig):
            alternates = loaded
        elif isinstance(loaded, tuple):
            messages = cast(tuple[MessagePattern, ...], loaded)
    if visa is None or alternates is None or not messages:
        raise ClassifierDataError(str(root), None, "visa, alternates or message tables missing")
    return Tables(categories, code_tables, visa, messages, alternates, _names(files))


def _names(files: Iterable[Source]) -> tuple[str, ...]:
    return tuple(f.name for f in files)


@functools.cache
def get_tables() -> Tables:
    """The packaged tables, loaded and validated once per process."""
    return load_tables()
