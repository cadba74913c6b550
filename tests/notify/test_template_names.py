"""Only the documented variables (and a loop's own item, inside its loop) may be named."""

from __future__ import annotations

import pytest

from tinko.notify.templating import TemplateRejected, check_source


@pytest.mark.parametrize(
    "source",
    [
        "{{ lipsum }}",
        "{{ range }}",
        "{{ self }}",
        "{{ cycler }}",
        "{{ joiner }}",
        "{{ namespace }}",
        "{{ dict }}",
        "{{ 'x' if lipsum else 'y' }}",
        "{% if range is defined %}x{% endif %}",
        "{% for m in alternate_methods %}{{ loop }}{% endfor %}",
        "{% for m in alternate_methods %}{% endfor %}{{ m }}",
        "{% for m in alternate_methods %}{% else %}{{ m }}{% endfor %}",
        "{% for loop in alternate_methods %}{{ loop }}{% endfor %}",
    ],
)
def test_names_outside_the_documented_variables_are_refused(source: str) -> None:
    with pytest.raises(TemplateRejected, match="body, line 1"):
        check_source(source, "body")


def test_refusal_names_the_variable_and_its_line() -> None:
    with pytest.raises(TemplateRejected) as caught:
        check_source("Hi {{ customer_name }}\n{{ lipsum }}", "body")
    assert "line 2" in str(caught.value)
    assert "'lipsum'" in str(caught.value)


def test_a_loop_item_may_be_named_inside_its_loop() -> None:
    check_source("{% for m in alternate_methods %}{{ m|upper }}, {% endfor %}", "body")
