"""SMS segment counting (3GPP TS 23.038 / TS 23.040): GSM-7 160/153, UCS-2 70/67."""

from __future__ import annotations

from tinko.notify.segments import GSM7_BASIC, sms_length


def test_default_alphabet_has_its_128_characters_less_escape() -> None:
    assert len(GSM7_BASIC) == 127


def test_160_gsm_characters_fit_one_segment() -> None:
    result = sms_length("a" * 160)
    assert (result.encoding, result.segments, result.per_segment) == ("gsm7", 1, 160)


def test_161_gsm_characters_take_two_parts_of_153() -> None:
    result = sms_length("a" * 161)
    assert (result.segments, result.per_segment) == (2, 153)


def test_307_gsm_characters_take_three_parts() -> None:
    assert sms_length("a" * 307).segments == 3


def test_extension_characters_count_two_septets() -> None:
    result = sms_length("€" * 80)
    assert (result.encoding, result.units, result.segments) == ("gsm7", 160, 1)


def test_escape_pair_is_not_split_across_parts() -> None:
    # 152 septets then a two-septet euro: it cannot share the first part's last septet.
    result = sms_length("a" * 152 + "€" + "a" * 10)
    assert result.units == 164
    assert result.segments == 2
    assert sms_length("a" * 152 + "€" + "a" * 152).segments == 3


def test_hindi_is_ucs2_with_70_in_one_segment() -> None:
    result = sms_length("नमस्ते" * 11)  # 6 code points each: 66
    assert (result.encoding, result.segments, result.per_segment) == ("ucs2", 1, 70)


def test_tamil_over_70_takes_parts_of_67() -> None:
    text = "வணக்கம்" * 11  # 7 code points each: 77
    result = sms_length(text)
    assert (result.encoding, result.units, result.segments, result.per_segment) == (
        "ucs2",
        77,
        2,
        67,
    )


def test_one_non_gsm_character_makes_the_whole_text_ucs2() -> None:
    result = sms_length("a" * 100 + "₹")
    assert (result.encoding, result.segments, result.non_gsm) == ("ucs2", 2, ("₹",))


def test_emoji_outside_the_bmp_counts_two_units() -> None:
    assert sms_length("😀" * 35).units == 70
    assert sms_length("😀" * 35).segments == 1


def test_surrogate_pair_is_not_split_across_parts() -> None:
    assert sms_length("a" * 66 + "😀" + "a" * 10).segments == 2
    assert sms_length("a" * 66 + "😀" + "a" * 66).segments == 3


def test_empty_text_has_no_segment() -> None:
    assert sms_length("").segments == 0
