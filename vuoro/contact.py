"""Customers' contact details, checked and normalised at every way in (API, pages, kiosk, console).

An address or number accepted here is one the mailer and the SMS gateway can send to: a single
bad address must never reach the outbox, where it would fail again and again.
"""
from __future__ import annotations

import re
import unicodedata

import phonenumbers
from django.utils.translation import gettext_lazy as _
from email_validator import EmailNotValidError, validate_email

EMAIL_MAX_LENGTH = 254
PHONE_REGION = "FI"  # numbers written without a country code are Finnish
# What people type in a phone number besides digits; letters (vanity numbers) are refused.
_PHONE_TEXT = re.compile(r"^\+?[0-9 ()./-]{3,32}$")
# Types a text message cannot reach.
_NOT_MOBILE = {phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.TOLL_FREE,
               phonenumbers.PhoneNumberType.PREMIUM_RATE, phonenumbers.PhoneNumberType.SHARED_COST,
               phonenumbers.PhoneNumberType.VOICEMAIL, phonenumbers.PhoneNumberType.UAN}

EMAIL_INVALID = _("Enter an e-mail address like name@example.com.")
EMAIL_NOT_ASCII = _("Our messages cannot reach an address with letters such as ä or é before the @ sign. "
                    "Please give another address.")
PHONE_INVALID = _("Enter a phone number using digits, for example +358 40 123 4567.")
PHONE_NOT_MOBILE = _("This is not a mobile number: a text message cannot reach it.")


class ContactError(ValueError):
    """Contact details refused; `message` is the (lazily translated) text for the customer."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def email_normalise(value: str) -> str:
    """The address as it is stored and sent to: trimmed, its domain lower-case and in ASCII
    (IDNA), or ContactError. Refused: anything the mailer cannot send to, such as a comma or a
    line break (header injection), two dots in a row, a trailing dot, a quoted or non-ASCII
    part before the @ sign, or a domain without a dot. No DNS look-up is made."""
    text = value.strip()
    if not text or len(text) > EMAIL_MAX_LENGTH or any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ContactError(EMAIL_INVALID)
    try:
        checked = validate_email(text, check_deliverability=False, allow_smtputf8=False, allow_quoted_local=False,
                                 allow_domain_literal=False, allow_display_name=False)
    except EmailNotValidError as error:
        local = text.rpartition("@")[0]
        raise ContactError(EMAIL_NOT_ASCII if local and not local.isascii() else EMAIL_INVALID) from error
    # With these options what passes is an ASCII dot-atom @ an LDH domain: exactly one address
    # that Django's SMTP backend sends to as it is (its prep_address; a property test holds this).
    address = checked.ascii_email or checked.normalized
    if len(address) > EMAIL_MAX_LENGTH or len(checked.local_part) > 64:  # RFC 5321's limits
        raise ContactError(EMAIL_INVALID)
    return address


def phone_normalise(value: str) -> str:
    """A mobile number in E.164 (`+358401234567`), "" for an empty one, or ContactError. A
    number without a country code is read as Finnish (040 123 4567)."""
    text = value.strip()
    if not text:
        return ""
    if not _PHONE_TEXT.match(text):
        raise ContactError(PHONE_INVALID)
    try:
        number = phonenumbers.parse(text, PHONE_REGION)
    except phonenumbers.NumberParseException as error:
        raise ContactError(PHONE_INVALID) from error
    if not phonenumbers.is_valid_number(number):
        raise ContactError(PHONE_INVALID)
    if phonenumbers.number_type(number) in _NOT_MOBILE:
        raise ContactError(PHONE_NOT_MOBILE)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# Mail providers that ignore dots in the local part, and their other names for the same mailbox.
DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}
_SHAPE_DROP = re.compile(r"[0-9._-]+")
_NAME_DROP = re.compile(r"[^\w]+|[\d_]+")


def email_key(address: str) -> str:
    """The person key of an e-mail address: what counts as "the same address" for the limits on
    bookings per person (README, "No hoarding"). Lower case; a "+tag" (subaddress) is dropped at
    every domain (name+x@ and name@ reach one mailbox wherever subaddressing exists, and nowhere
    else is "+" used); for domains that ignore dots in the local part (DOTLESS_DOMAINS) the dots
    go too, and googlemail.com is gmail.com. Anything without an @ is only lower-cased."""
    text = address.strip().lower()
    local, at, domain = text.rpartition("@")
    if not at or not local:
        return text
    local = local.split("+", 1)[0] or local
    if domain in DOTLESS_DOMAINS:
        domain = DOTLESS_DOMAINS[domain]
        local = local.replace(".", "") or local
    return f"{local}@{domain}"


def email_shape(key: str) -> str:
    """An e-mail key with digits, dots, hyphens and underscores left out of its local part
    (john1@, john.2@ and john_3@ look alike): what staff see as a cluster of look-alike addresses.
    A local part of only those characters is "#"."""
    local, at, domain = key.rpartition("@")
    if not at:
        return ""
    return f"{_SHAPE_DROP.sub('', local) or '#'}@{domain}"


def name_key(name: str) -> str:
    """A name folded for look-alikes: compatibility-decomposed (NFKD) without diacritics, case-folded,
    punctuation and digits as spaces, its words sorted ("Virtanen, Mätti" = "matti virtanen")."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(sorted(_NAME_DROP.sub(" ", text).split()))[:200]


def form_value(normalise, value: str) -> str:
    """`normalise(value)` for a form's clean_<field>: a refusal becomes the field's error."""
    from django import forms

    try:
        return normalise(value)
    except ContactError as error:
        raise forms.ValidationError(error.message, code="invalid") from None
