"""Property: a template accepted at save time renders at send time, whatever the data."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tinko.notify.render import TemplateContent, render_message, variables_for
from tinko.notify.templating import LIST_VARIABLES, VARIABLES, TemplateRejected, check_source

NAMES = sorted(VARIABLES)
EXPRESSIONS = st.one_of(
    st.sampled_from(NAMES),
    st.sampled_from(["m", "loop", "undefined_thing", "'text'", "42", "none", "true"]),
    st.sampled_from(["(amount == link)", "(link or 3)", "(link if amount else 4)"]),
)
FILTERS = st.sampled_from(
    [
        "",
        "|upper",
        "|title",
        "|length",
        "|join(', ')",
        "|join(1)",
        "|default('x')",
        "|truncate(12)",
        "|truncate(2)",
        "|first",
        "|int",
        "|replace('a', 'b')",
        "|attr('x')",
        "|format(1)",
        "|length|length",
        "|wordcount|join",
        "|default(1)|truncate(12)",
    ]
)
TAILS = st.sampled_from(["", ".__class__", "[0]", "()", " + 1", " * 3", " ~ 'x'", " > 1"])


@st.composite
def fragments(draw: st.DrawFn) -> str:
    expr = draw(EXPRESSIONS) + draw(TAILS) + draw(FILTERS)
    kind = draw(st.integers(0, 6))
    if kind == 0:
        return draw(st.text(max_size=12))
    if kind == 1:
        return "{{ " + expr + " }}"
    if kind == 2:
        return "{% if " + expr + " %}yes{% else %}no{% endif %}"
    if kind == 3:
        inner = draw(st.sampled_from(["{{ m }}", "{{ m|upper }}", "{{ loop.index }}", "x"]))
        return "{% for m in " + draw(EXPRESSIONS) + " %}" + inner + "{% endfor %}"
    if kind == 4:
        return "{{ " + expr + " if " + draw(EXPRESSIONS) + " else '' }}"
    if kind == 5:
        return "{{ " + draw(EXPRESSIONS) + " == " + draw(EXPRESSIONS) + " }}"
    return draw(st.sampled_from(["{{", "}}", "{%", "%}", "{#", "\n", "{% endif %}", "{{ }}"]))


VALUES = st.fixed_dictionaries(
    {name: st.text(max_size=30) for name in NAMES if name not in LIST_VARIABLES}
)
METHODS = st.lists(st.text(max_size=10), max_size=3)


@settings(max_examples=600, deadline=None)
@given(parts=st.lists(fragments(), min_size=1, max_size=5), values=VALUES, methods=METHODS)
def test_accepted_templates_never_fail_to_render(
    parts: list[str], values: dict[str, str], methods: list[str]
) -> None:
    source = "".join(parts)
    try:
        check_source(source, "body")
    except TemplateRejected:
        return
    variables = variables_for(values, methods)
    for channel in ("email", "sms"):
        content = TemplateContent(source, source, source)
        render_message(
            content, variables, channel=channel, locale="en", unsubscribe_url="https://u/x"
        )


@settings(max_examples=20, deadline=None)
@given(values=VALUES, methods=METHODS)
def test_shipped_defaults_render_with_any_data(values: dict[str, str], methods: list[str]) -> None:
    from tinko.notify import copy

    for locale in copy.LOCALES:
        for channel in ("email", "sms", "whatsapp"):
            shipped = copy.default_template(channel, locale)
            for source in filter(None, (shipped.subject, shipped.body, shipped.html)):
                check_source(source, "body")
            content = TemplateContent(shipped.subject, shipped.body, shipped.html)
            rendered = render_message(
                content,
                variables_for(values, methods),
                channel=channel,
                locale=locale,
                unsubscribe_url="https://u/x",
            )
            assert rendered.text
