"""Property: ``classify`` never raises and always returns a well-formed classification."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinko.classifier import CATEGORIES, DeclineSignal, classify
from tinko.classifier.model import PAYMENT_METHODS, RECOMMENDED_ACTIONS

KNOWN = [
    "insufficient_funds",
    "card_declined",
    "51",
    "05",
    "57",
    "N7",
    "1A",
    "R0",
    "ZA",
    "U69",
    "03",
    "21",
    "25",
    "payment_failed",
    "BAD_REQUEST_ERROR",
    "do_not_honor",
    "Z5",
    "65",
]
codes = st.none() | st.sampled_from(KNOWN) | st.text(max_size=30)
names = (
    st.none()
    | st.sampled_from(["stripe", "razorpay", "sandbox", "other", ""])
    | st.text(max_size=12)
)

signals = st.builds(
    DeclineSignal,
    gateway=names,
    failure_code=codes,
    decline_code=codes,
    network_advice_code=codes,
    network_decline_code=codes,
    failure_message=st.none() | st.text(max_size=80),
    payment_method_type=st.none()
    | st.sampled_from(["card", "upi", "emandate", "x"])
    | st.text(max_size=10),
    card_network=st.none()
    | st.sampled_from(["visa", "mastercard", "rupay"])
    | st.text(max_size=10),
    country=st.none() | st.sampled_from(["IN", "US", "in"]) | st.text(max_size=3),
    on=st.none() | st.dates(),
)


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(signals)
def test_classify_never_raises_and_returns_valid_values(signal: DeclineSignal) -> None:
    c = classify(signal)
    assert c.category in CATEGORIES
    assert c.decline_type in ("soft", "hard")
    assert c.retryable is (c.decline_type == "soft")
    assert 0.0 <= c.confidence <= 1.0
    assert c.cooldown_seconds >= 0
    assert c.recommended_action in RECOMMENDED_ACTIONS
    assert set(c.alternate_methods) <= PAYMENT_METHODS
    assert c.reason
    assert c.source
    assert c.visa_category in (None, 1, 2, 3, 4)
