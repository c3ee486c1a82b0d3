"""What a sampled value is: an e-mail address, a phone number, a fødselsnummer, a payment
card number (Luhn), a Norwegian bank account number (mod 11), an IBAN, an IP address, a
street address, a person's name; and which of those a piece of free text holds.

Every check is exact where the thing has a check digit or a syntax (stdnum, phonenumbers,
ipaddress) and a shape where it has none (addresses, names). Used by discovery, which
keeps only counts."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable

import phonenumbers
from stdnum import ean, iban, luhn
from stdnum.no import fodselsnummer, kontonr, orgnr

EMAIL_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[a-z]{2,}$", re.I)
EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.I)
PHONE_SHAPE = re.compile(r"^\+?[\d\s().-]{8,20}$")
PHONE_IN_TEXT = re.compile(r"(?:\+47[\s-]?)?(?<![\d.])[49]\d{2}[\s-]?\d{2}[\s-]?\d{3}(?!\d|\.\d)")
DIGITS_11 = re.compile(r"^\d{6}\s?\d{5}$")
FNR_IN_TEXT = re.compile(r"(?<![\d.])\d{6}\s?\d{5}(?!\d|\.\d)")
DIGITS_9 = re.compile(r"^\d{3}\s?\d{3}\s?\d{3}$")
IP_SHAPE = re.compile(r"^[0-9a-f:.]{3,45}$", re.I)
IPV4_IN_TEXT = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?!\d|\.\d)")
CARD_SHAPE = re.compile(r"^(?:\d[ -]?){12,18}\d$")
CARD_IN_TEXT = re.compile(r"(?<![\d.])(?:\d[ -]?){12,18}\d(?!\d|\.\d)")
# A stored card number masked but for its last (and maybe first) digits: XXXX-XXXX-XXXX-1234, 411111******1111.
MASKED_CARD = re.compile(r"^(?:[X*•#x]{4}[ -]?){3}\d{4}$|^\d{4,6}[X*•#x]{5,9}\d{4}$")
ACCOUNT_SHAPE = re.compile(r"^\d{4}[ .]?\d{2}[ .]?\d{5}$")
ACCOUNT_IN_TEXT = re.compile(r"(?<![\d.])\d{4}[ .]?\d{2}[ .]?\d{5}(?!\d|\.\d)")
IBAN_SHAPE = re.compile(r"^[A-Z]{2}\d{2}(?:\s?[A-Z0-9]){11,30}$")
IBAN_IN_TEXT = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]){11,30}\b")
STREET_RE = re.compile(
    r"\b[\wæøåÆØÅ.-]+(?:gata|gate|gaten|veien|vegen|vei|veg|allé|alle|plass|stien|bakken|svingen|lia|haugen|åsen|tunet|"
    r"skrenten|høgda|holtet|engen|kroken|løkka|jordet|moen|myra|vika|street|road|avenue|lane)\s+\d+",
    re.I,
)
POSTCODE_CITY = re.compile(r"\b\d{4}\s+[A-ZÆØÅ][\wæøåÆØÅ-]+")
NAME_WORD = re.compile(r"^[A-ZÆØÅ][a-zæøåéüö'-]+$")
CAPITALISED = re.compile(r"\b[A-ZÆØÅ][a-zæøåéüö'-]{2,}\b")
# Mailboxes of a role, not of a person (RFC 2142 and their Norwegian kin).
MACHINE_LOCAL_PART = re.compile(r"^[0-9a-f.-]{16,}@", re.I)  # a Message-ID's hash, not a mailbox
ROLE_MAILBOXES = frozenset(
    "abuse admin billing bounce bounces contact faktura firmapost helpdesk hostmaster info it jobb kontakt "
    "kundeservice kundesenter leder mailer-daemon marketing no-reply noc noreply nyhetsbrev post postmaster "
    "postmottak regnskap sales salg security servicedesk support teknisk webmaster".split()
)


def is_email(value: str) -> bool:
    return len(value) <= 254 and bool(EMAIL_RE.match(value))


def is_role_mailbox(value: str) -> bool:
    return value.split("@", 1)[0].lower() in ROLE_MAILBOXES


def is_phone(value: str) -> bool:
    if not PHONE_SHAPE.match(value):
        return False
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(value, "NO"))
    except phonenumbers.NumberParseException:
        return False


def is_fnr(value: str) -> bool:
    return bool(DIGITS_11.match(value)) and fodselsnummer.is_valid(value)


def is_orgnr(value: str) -> bool:
    return bool(DIGITS_9.match(value)) and orgnr.is_valid(value)


def is_ip(value: str) -> bool:
    if not IP_SHAPE.match(value) or ("." not in value and ":" not in value):
        return False
    try:
        ipaddress.ip_address(value)
        return True
    except ValueError:
        return False


def is_card_number(value: str) -> bool:
    """A payment card number: 13-19 digits with a valid Luhn check digit, or one masked but
    for its last four digits."""
    if MASKED_CARD.match(value):
        return True
    if not CARD_SHAPE.match(value):
        return False
    digits = re.sub(r"[ -]", "", value)
    # Issuers' numbers start with 2-6 (Mastercard, Amex, Visa, Discover); a product's EAN never counts.
    return 13 <= len(digits) <= 19 and digits[0] in "23456" and luhn.is_valid(digits) and not ean.is_valid(digits)


def is_account_number(value: str) -> bool:
    """A Norwegian bank account number (11 digits, mod-11 check digit)."""
    return bool(ACCOUNT_SHAPE.match(value)) and kontonr.is_valid(value) and not fodselsnummer.is_valid(re.sub(r"\D", "", value))


def is_iban(value: str) -> bool:
    return bool(IBAN_SHAPE.match(value)) and iban.is_valid(value)


def is_address(value: str) -> bool:
    return bool(STREET_RE.search(value) or POSTCODE_CITY.search(value))


def is_full_name(value: str) -> bool:
    """Two to four capitalised words, as a person's full name is written (a card's
    UPPER-CASE holder name too)."""
    words = value.strip().replace("-", " ").split()
    return 2 <= len(words) <= 4 and all(NAME_WORD.match(word.capitalize() if word.isupper() else word) for word in words)


VALUE_KINDS: dict[str, tuple[Callable[[str], bool], str]] = {
    "email": (is_email, "valid e-mail addresses"),
    "fodselsnummer": (is_fnr, "valid fødselsnumre or D-numbers (check digits)"),
    "orgnr": (is_orgnr, "valid organisation numbers (check digit)"),
    "phone": (is_phone, "valid phone numbers"),
    "ip_address": (is_ip, "IP addresses"),
    "card": (is_card_number, "payment card numbers (Luhn check digit, or masked to the last four digits)"),
    "bank_account": (is_account_number, "Norwegian bank account numbers (mod-11 check digit)"),
    "iban": (is_iban, "IBANs (check digits)"),
    "address": (is_address, "shaped like street addresses or postcode and town"),
    "full_name": (is_full_name, "shaped like a person's full name"),
}
# Kinds whose check is exact: a column of them holds personal data wherever it stands.
EXACT = ("email", "fodselsnummer", "phone", "ip_address", "card", "bank_account", "iban")


def _in_text(pattern: re.Pattern, check: Callable[[str], bool]) -> Callable[[str], bool]:
    return lambda text: any(check(match.group(0)) for match in pattern.finditer(text))


TEXT_KINDS: tuple[tuple[str, str, Callable[[str], bool]], ...] = (
    ("email", "an e-mail address", _in_text(EMAIL_IN_TEXT, lambda v: not is_role_mailbox(v) and not MACHINE_LOCAL_PART.match(v))),
    ("phone", "a phone number", _in_text(PHONE_IN_TEXT, lambda v: True)),
    ("fodselsnummer", "a fødselsnummer", _in_text(FNR_IN_TEXT, lambda v: fodselsnummer.is_valid(v))),
    ("card", "a payment card number", _in_text(CARD_IN_TEXT, is_card_number)),
    ("bank_account", "a bank account number", _in_text(ACCOUNT_IN_TEXT, is_account_number)),
    ("iban", "an IBAN", _in_text(IBAN_IN_TEXT, is_iban)),
    ("ip_address", "an IP address", _in_text(IPV4_IN_TEXT, is_ip)),
    ("address", "a street address", lambda text: bool(STREET_RE.search(text))),
)


def identity_content(values: Iterable[str]) -> dict[str, int]:
    """How many of the values hold each kind of identity value inside free text."""
    counts: dict[str, int] = {}
    for value in values:
        for kind, _, found in TEXT_KINDS:
            if found(value):
                counts[kind] = counts.get(kind, 0) + 1
    return counts


TEXT_DESCRIPTIONS = {kind: description for kind, description, _ in TEXT_KINDS}


def name_words(value: str) -> list[str]:
    """The capitalised words of a text (candidates for a person's name)."""
    return CAPITALISED.findall(value)
