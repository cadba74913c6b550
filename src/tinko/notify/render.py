"""A template plus variables → the message a channel sends: subject, text, and HTML for email.

The email HTML is the merchant's content inside our layout, with the layout's CSS inlined into
`style` attributes (`css_inline`), since many mail clients drop `<style>` blocks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import css_inline
from jinja2 import Environment
from markupsafe import Markup, escape

from tinko.notify import copy
from tinko.notify.templating import render_html, render_text

# Twilio refuses longer bodies (error 21617); SMS templates are kept well below it on save.
MAX_TEXT_MESSAGE: Final = 1600
MAX_SUBJECT: Final = 250
_URL = re.compile(r"https?://[^\s<>\"']+")

_LAYOUT = Environment(autoescape=True).from_string(
    """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body { margin: 0; padding: 24px 12px; background: #f3f4f6; color: #1f2933;
  font-family: -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif;
  font-size: 16px; line-height: 1.5; }
.card { max-width: 560px; margin: 0 auto; padding: 24px; background: #ffffff;
  border-radius: 8px; }
p { margin: 0 0 16px 0; }
a { color: #1d4ed8; }
.action { margin: 24px 0; }
a.button { display: inline-block; padding: 12px 20px; background: #1d4ed8; color: #ffffff;
  border-radius: 6px; text-decoration: none; font-weight: 600; }
.note { color: #52606d; font-size: 14px; }
.footer { max-width: 560px; margin: 16px auto 0 auto; color: #7b8794; font-size: 12px;
  text-align: center; }
.footer a { color: #7b8794; }
</style></head>
<body><div class="card">{{ content }}</div>
{% if footer %}<p class="footer">{{ footer }}{% if unsubscribe_url %}
<a href="{{ unsubscribe_url }}">{{ unsubscribe_label }}</a>{% endif %}</p>{% endif %}
</body></html>"""
)


class Listing(list[str]):
    """A list variable that prints as "a, b" when a template prints it whole."""

    def __str__(self) -> str:
        return ", ".join(self)

    def __html__(self) -> str:
        return str(escape(str(self)))


@dataclass(frozen=True)
class TemplateContent:
    subject: str | None
    body: str
    html: str | None


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str | None


def variables_for(values: Mapping[str, str], alternate_methods: Sequence[str]) -> dict[str, object]:
    return {**values, "alternate_methods": Listing(alternate_methods)}


def render_message(
    content: TemplateContent,
    variables: Mapping[str, object],
    *,
    channel: str,
    locale: str,
    unsubscribe_url: str | None,
) -> Rendered:
    text = render_text(content.body, variables).strip()
    if channel != "email":
        footer = copy.line("footer", locale, url=unsubscribe_url) if unsubscribe_url else ""
        room = MAX_TEXT_MESSAGE - len(footer) - 1
        text = "\n".join(filter(None, (clip(text, room), footer)))
        return Rendered(subject="", text=text, html=None)
    subject = " ".join(render_text(content.subject or "", variables).split())
    inner = Markup(render_html(content.html, variables)) if content.html else text_to_html(text)
    merchant = str(variables.get("merchant", ""))
    html = _LAYOUT.render(
        lang=locale,
        content=inner,
        footer=copy.line("email_footer", locale, merchant=merchant) if merchant else "",
        unsubscribe_url=unsubscribe_url,
        unsubscribe_label=copy.line("unsubscribe_label", locale),
    )
    return Rendered(subject=clip(subject, MAX_SUBJECT), text=text, html=css_inline.inline(html))


def text_to_html(text: str) -> Markup:
    """Paragraphs from blank-line breaks, line breaks kept, web addresses made links."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        escaped = str(escape(block))
        linked = _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
        paragraphs.append("<p>" + linked.replace("\n", "<br>\n") + "</p>")
    return Markup("\n".join(paragraphs))


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
