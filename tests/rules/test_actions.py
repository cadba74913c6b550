"""``validate_actions`` and ``action_to_dict``."""

from __future__ import annotations

import pytest

from tests.rules.helpers import action_errors, locs
from tinko.rules import (
    NotifyMerchantAction,
    OfferMethodsAction,
    RetryAction,
    RuleValidationError,
    SendLinkAction,
    StopAction,
    action_to_dict,
    validate_actions,
)

ALL_KINDS = [
    {"type": "retry", "after_minutes": 120, "window": "business_hours"},
    {"type": "send_link", "channels": ["email", "whatsapp"], "after_minutes": 0},
    {"type": "offer_methods", "methods": ["upi", "netbanking"]},
    {"type": "notify_merchant"},
    {"type": "stop"},
]


def test_every_action_type_parses() -> None:
    assert validate_actions(ALL_KINDS) == (
        RetryAction(after_minutes=120, window="business_hours"),
        SendLinkAction(channels=("email", "whatsapp"), after_minutes=0),
        OfferMethodsAction(methods=("upi", "netbanking")),
        NotifyMerchantAction(),
        StopAction(),
    )


def test_actions_round_trip_through_dicts() -> None:
    assert [action_to_dict(a) for a in validate_actions(ALL_KINDS)] == ALL_KINDS


def test_retry_options_may_be_omitted() -> None:
    assert validate_actions([{"type": "retry"}]) == (RetryAction(),)


def test_null_option_is_the_same_as_omitted() -> None:
    assert validate_actions([{"type": "retry", "window": None}]) == (RetryAction(),)


def test_unset_options_are_left_out_of_the_dict() -> None:
    assert action_to_dict(RetryAction()) == {"type": "retry"}


def test_after_minutes_accepts_sixty_days() -> None:
    assert validate_actions([{"type": "retry", "after_minutes": 86_400}])


# -- errors --------------------------------------------------------------------------------


def test_unknown_action_type_is_located() -> None:
    errors = action_errors([{"type": "stop"}, {"type": "refund"}])
    assert errors == [
        {
            "loc": ["actions", 0],
            "msg": "'stop' must be the last action: nothing after it would run",
        },
        {
            "loc": ["actions", 1, "type"],
            "msg": "unknown action type 'refund'; use one of retry, send_link, offer_methods, "
            "notify_merchant, stop",
        },
    ]


def test_missing_type_is_located() -> None:
    assert locs(action_errors([{"channels": ["sms"]}])) == [["actions", 0, "type"]]


def test_stop_not_last_is_located() -> None:
    errors = action_errors([{"type": "notify_merchant"}, {"type": "stop"}, {"type": "retry"}])
    assert locs(errors) == [["actions", 1]]


def test_stop_alone_is_valid() -> None:
    assert validate_actions([{"type": "stop"}]) == (StopAction(),)


def test_bad_channel_is_located() -> None:
    errors = action_errors([{"type": "send_link", "channels": ["email", "fax"]}])
    assert errors == [
        {
            "loc": ["actions", 0, "channels", 1],
            "msg": "unknown channel 'fax'; use one of email, sms, whatsapp",
        }
    ]


def test_duplicate_channel_is_located() -> None:
    errors = action_errors([{"type": "send_link", "channels": ["sms", "sms"]}])
    assert locs(errors) == [["actions", 0, "channels", 1]]


def test_more_channels_than_exist_is_one_error() -> None:
    errors = action_errors([{"type": "send_link", "channels": ["sms"] * 1000}])
    assert locs(errors) == [["actions", 0, "channels"]]


def test_empty_channels_is_rejected() -> None:
    assert locs(action_errors([{"type": "send_link", "channels": []}])) == [
        ["actions", 0, "channels"]
    ]


def test_missing_channels_is_located() -> None:
    assert locs(action_errors([{"type": "send_link"}])) == [["actions", 0, "channels"]]


def test_bad_method_is_located() -> None:
    errors = action_errors([{"type": "offer_methods", "methods": ["upi", "cash"]}])
    assert locs(errors) == [["actions", 0, "methods", 1]]


def test_unknown_key_is_located() -> None:
    errors = action_errors([{"type": "retry", "channels": ["sms"]}])
    assert errors == [
        {
            "loc": ["actions", 0, "channels"],
            "msg": "unknown key 'channels' for 'retry'; allowed: after_minutes, window",
        }
    ]


def test_unknown_key_on_an_option_free_action_is_located() -> None:
    assert locs(action_errors([{"type": "notify_merchant", "to": "x"}])) == [["actions", 0, "to"]]


def test_unknown_key_does_not_hide_other_problems() -> None:
    errors = action_errors([{"type": "send_link", "channels": ["fax"], "when": 1}])
    assert locs(errors) == [["actions", 0, "when"], ["actions", 0, "channels", 0]]


def test_unknown_window_is_located() -> None:
    assert locs(action_errors([{"type": "retry", "window": "weekends"}])) == [
        ["actions", 0, "window"]
    ]


@pytest.mark.parametrize("minutes", [-1, 86_401, 1.5, True, "60"])
def test_bad_after_minutes_is_located(minutes: object) -> None:
    assert locs(action_errors([{"type": "retry", "after_minutes": minutes}])) == [
        ["actions", 0, "after_minutes"]
    ]


def test_actions_must_be_a_list() -> None:
    assert locs(action_errors({"type": "stop"})) == [["actions"]]


def test_actions_must_not_be_empty() -> None:
    assert locs(action_errors([])) == [["actions"]]


def test_at_most_ten_actions() -> None:
    assert locs(action_errors([{"type": "notify_merchant"}] * 11)) == [["actions"]]


def test_ten_actions_are_allowed() -> None:
    assert len(validate_actions([{"type": "notify_merchant"}] * 10)) == 10


def test_action_must_be_an_object() -> None:
    assert locs(action_errors(["stop"])) == [["actions", 0]]


def test_loc_prefix_is_used() -> None:
    with pytest.raises(RuleValidationError) as caught:
        validate_actions([{"type": "nope"}], loc_prefix=("rule", "actions"))
    assert locs(caught.value.errors) == [["rule", "actions", 0, "type"]]
