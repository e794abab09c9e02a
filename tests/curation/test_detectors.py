from __future__ import annotations

import random

import pytest

from slmc.pii.detectors import find_spans, iban_ok, luhn_ok

from . import planted


def kinds(text: str) -> list[tuple[str, str]]:
    return [(s.kind, text[s.start : s.end]) for s in find_spans(text)]


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("mail me: jane.doe+tag@mail.example.co.uk.", "EMAIL", "jane.doe+tag@mail.example.co.uk"),
        ("call +44 20 7946 0958 today", "PHONE", "+44 20 7946 0958"),
        ("office (415) 555-0100", "PHONE", "(415) 555-0100"),
        ("cell 415.555.0100", "PHONE", "415.555.0100"),
        ("Tel: 030 1234567", "PHONE", "030 1234567"),
        ("uk 020 7946 0958", "PHONE", "020 7946 0958"),
        ("paid with 4111-1111-1111-1111 yesterday", "CARD", "4111-1111-1111-1111"),
        ("amex 378282246310005", "CARD", "378282246310005"),
        ("to GB82 WEST 1234 5698 7654 32 please", "IBAN", "GB82 WEST 1234 5698 7654 32"),
        ("iban: DE89370400440532013000", "IBAN", "DE89370400440532013000"),
        ("my ssn is 123-45-6789", "SSN", "123-45-6789"),
        ("SSN 123456789", "SSN", "123456789"),
        ("NI number AB 12 34 56 C", "NINO", "AB 12 34 56 C"),
        ("SIN: 130 692 544", "SIN", "130 692 544"),
        ("DNI 12345678Z", "DNI", "12345678Z"),
        ("from 203.0.113.77 at noon", "IP", "203.0.113.77"),
        ("v6 2001:db8:85a3::8a2e:370:7334 seen", "IP", "2001:db8:85a3::8a2e:370:7334"),
        ("key AKIAIOSFODNN7EXAMPLE here", "API_KEY", "AKIAIOSFODNN7EXAMPLE"),
        ("Authorization: Bearer abcDEF123456ghiJKL", "TOKEN", "abcDEF123456ghiJKL"),
        ("see https://admin:pa55w0rd@db.example.com/x", "CREDENTIALS", "admin:pa55w0rd"),
        ("password: hunter22", "SECRET", "hunter22"),
        ("random Zr8Qm2XkP4vL9sT1wN6yB3cD here", "TOKEN", "Zr8Qm2XkP4vL9sT1wN6yB3cD"),
        ("Hello, my name is Maria Okonkwo and", "NAME", "Maria Okonkwo"),
        ("Dear Jonas,\nthanks", "NAME", "Jonas"),
        ("Kind regards,\nAiko Nakamura", "NAME", "Aiko Nakamura"),
    ],
)
def test_detects(text: str, kind: str, value: str) -> None:
    assert (kind, value) in kinds(text)


def test_detects_generated_values_of_every_kind() -> None:
    rng = random.Random(7)
    for _ in range(40):
        for kind, value in [
            ("CARD", planted.card(rng)),
            ("IBAN", planted.iban(rng)),
            ("EMAIL", planted.email(rng)),
            ("PHONE", planted.phone(rng)),
            ("SSN", planted.ssn(rng)),
            ("NINO", planted.nino(rng)),
            ("IP", planted.ipv4(rng)),
            ("IP", planted.ipv6(rng)),
            ("API_KEY", planted.api_key(rng)),
            ("JWT", planted.jwt(rng)),
        ]:
            text = f"Customer wrote: please use {value} for this."
            assert (kind, value) in kinds(text), (kind, value, kinds(text))


def test_pem_block_is_one_span() -> None:
    key = planted.pem(random.Random(1))
    text = f"config:\n{key}\nend"
    assert kinds(text) == [("PRIVATE_KEY", key)]


def test_checksums() -> None:
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert iban_ok("DE89370400440532013000") and not iban_ok("DE89370400440532013001")
    assert not kinds("card 4111 1111 1111 1112 (bad checksum)")
    assert not kinds("iban DE89 3704 0044 0532 0130 01 (bad checksum)")


# What must NOT be scrubbed: the accepted list of ordinary values.
ORDINARY = [
    "Order ORD-2024-000123 shipped on 2024-01-15 at 10:30:00.",
    "Ticket AB-12345 was opened 15/01/2024 and closed 16.01.2024.",
    "Upgrade to version 3.11.7 or v1.2.3.4 (build 10.0.19041.1).",
    "Request id 550e8400-e29b-41d4-a716-446655440000 and 3F2504E0-4F89-11D3-9A0C-0305E82C3301.",
    "Commit 3f786850e387550fdab836ed7e6dc881de23001b, sha256 e3b0c44298fc1c149afbfc8996fb92427ae41e4649b934ca495991b7852b855",
    "Total 1234567 units, price 1,299.99 EUR, 12.5% off, 42 items, pi 3.14159265.",
    "Invoice 2024001234 for PO 4500012345; timestamp 1731000000.",
    "Localhost 127.0.0.1 and ::1 are fine, so is 0.0.0.0.",
    "The API key is stored in the vault; rotate the token every 90 days.",
    "function getUserAccountSettingsById returns a UserAccountSettingsResponse",
    "My name is not important. Dear Customer, Regards, Support Team",
    "Call the classify_intent tool with temperature 0 and max_tokens 64.",
    "Model Qwen2.5-0.5B-Instruct and meta-llama/Llama-3.2-1B-Instruct on 2 GPUs.",
    "Coordinates 48.8566, 2.3522; room 12-34; ISBN 978-3-16-148410-0.",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_values_are_left_alone(text: str) -> None:
    assert kinds(text) == []


def test_overlaps_keep_the_stronger_kind() -> None:
    # The password inside URL credentials is not also reported as an email address.
    text = "dsn postgres://svc:s3cret@db.example.com:5432/app"
    assert [k for k, _ in kinds(text)] == ["CREDENTIALS"]
