from __future__ import annotations

from tinko.kit import signing

SECRET = "s" * 40


def test_a_signed_token_gives_back_its_body() -> None:
    assert (
        signing.unsign(SECRET, "tinko/test/v1", signing.sign(SECRET, "tinko/test/v1", "abc"))
        == "abc"
    )


def test_an_altered_token_is_refused() -> None:
    token = signing.sign(SECRET, "tinko/test/v1", "abc")
    assert signing.unsign(SECRET, "tinko/test/v1", "abd" + token[3:]) is None


def test_a_token_for_another_purpose_is_refused() -> None:
    token = signing.sign(SECRET, "tinko/test/v1", "abc")
    assert signing.unsign(SECRET, "tinko/other/v1", token) is None


def test_a_token_under_another_secret_is_refused() -> None:
    token = signing.sign(SECRET, "tinko/test/v1", "abc")
    assert signing.unsign("t" * 40, "tinko/test/v1", token) is None
