"""Jinja2 templates of the payer pages, one environment per language, and the stylesheet."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from tinko.pages.i18n import LANGUAGES, translations

_HERE: Final = Path(__file__).parent


@dataclass(frozen=True)
class Asset:
    name: str  # carries a hash of the content, so it can be cached for a year
    content: bytes
    media_type: str

    @property
    def url(self) -> str:
        return f"/pay/assets/{self.name}"


def _stylesheet() -> Asset:
    content = (_HERE / "static" / "pay.css").read_bytes()
    digest = hashlib.sha256(content).hexdigest()[:12]
    return Asset(f"pay.{digest}.css", content, "text/css; charset=utf-8")


STYLESHEET: Final = _stylesheet()
ASSETS: Final = {STYLESHEET.name: STYLESHEET}


@lru_cache(maxsize=len(LANGUAGES))
def environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(_HERE / "templates"),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Added by the i18n extension; newstyle gettext escapes the values it interpolates.
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.globals["stylesheet_url"] = STYLESHEET.url
    return env


def render(language: str, template: str, context: dict[str, Any]) -> str:
    return environment(language).get_template(template).render(context)
