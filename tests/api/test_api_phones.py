"""`app.services.phones`: E.164 normalisation and WhatsApp addresses, reused across the service."""

from __future__ import annotations

import pytest

from app.services.phones import (
    InvalidPhoneNumber,
    from_whatsapp_address,
    is_e164,
    to_e164,
    whatsapp_address,
)


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+14155550100", "US", "+14155550100"),
        ("+1 (415) 555-0100", "US", "+14155550100"),
        ("415.555.0100", "US", "+14155550100"),
        ("1-415-555-0100", "US", "+14155550100"),
        ("  4155550100  ", "US", "+14155550100"),
        ("011 34 612 345 678", "US", "+34612345678"),
        ("0034 612 345 678", "ES", "+34612345678"),
        ("612 345 678", "ES", "+34612345678"),
        ("07400 123456", "GB", "+447400123456"),
        ("+44 (0) 7400 123456", "US", "+447400123456"),
        ("050 123 4567", "SA", "+966501234567"),
        ("+966 50 123 4567", "GB", "+966501234567"),
        ("(11) 98765-4321", "BR", "+5511987654321"),
        ("whatsapp:+14155550100", "US", "+14155550100"),
        ("WhatsApp: +34612345678", "US", "+34612345678"),
        ("+١٤١٥٥٥٥٠١٠٠", "US", "+14155550100"),  # Arabic-Indic digits
    ],
)
def test_to_e164_normalises_what_people_write(raw: str, region: str, expected: str) -> None:
    assert to_e164(raw, region) == expected


@pytest.mark.parametrize(
    ("raw", "region", "reason"),
    [
        ("", "US", "empty"),
        ("   ", "US", "empty"),
        ("whatsapp:", "US", "empty"),
        ("hello", "US", "not a phone number"),
        ("12", "US", "too short"),
        ("+1 415 555 01000", "US", "too long"),
        ("+999 123 4567", "US", "unknown country code"),
        ("+1 555 555 0100", "US", "not a valid number for its country"),
        ("612 345 678", "ZZ", "unknown country code"),
        ("1" * 65, "US", "too long"),
    ],
)
def test_to_e164_says_why_a_number_is_rejected(raw: str, region: str, reason: str) -> None:
    with pytest.raises(InvalidPhoneNumber) as caught:
        to_e164(raw, region)
    assert caught.value.reason.startswith(reason)
    assert caught.value.raw == raw
    assert reason in str(caught.value)


def test_whatsapp_address_round_trip() -> None:
    assert whatsapp_address("+14155550100") == "whatsapp:+14155550100"
    assert from_whatsapp_address("whatsapp:+14155550100") == "+14155550100"
    assert from_whatsapp_address(" +14155550100 ") == "+14155550100"
    assert from_whatsapp_address(whatsapp_address("+966501234567")) == "+966501234567"


@pytest.mark.parametrize(
    "address", ["", "whatsapp:", "whatsapp:14155550100", "sms:+14155550100", "whatsapp:+0123"]
)
def test_from_whatsapp_address_rejects_what_is_not_an_e164_address(address: str) -> None:
    with pytest.raises(InvalidPhoneNumber):
        from_whatsapp_address(address)


@pytest.mark.parametrize("value", ["4155550100", "+1 415 555 0100", "+", "+0123456789"])
def test_whatsapp_address_needs_e164(value: str) -> None:
    assert not is_e164(value)
    with pytest.raises(InvalidPhoneNumber):
        whatsapp_address(value)
