"""The one place where text from outside (query strings, forms, API bodies) becomes a date, a
time, a month or a whole number.

Strict and bounded: dates and times are ISO 8601 (`2027-03-29`, `2027-03-29T08:00:00+03:00`,
months `2027-03`) written with ASCII digits, in the years 1900–2999, times with a UTC offset of
at most ±14:00. Anything else is a ParseError (a ValueError) that says what is wrong, so no
later step meets a year 1 or 9999 that overflows when moved to another zone, nor a number too
big for the database. Pages turn a ParseError into a friendly page or form error; the API into
its 422 (through the ApiDate and ApiDatetime field types below).
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Annotated, Any

from django import forms
from django.utils.translation import gettext_lazy as _
from pydantic import BeforeValidator, WithJsonSchema

MIN_YEAR, MAX_YEAR = 1900, 2999
MAX_OFFSET = dt.timedelta(hours=14)  # the widest UTC offset in use (Kiribati +14, Baker Island -12)
MAX_INT_DIGITS = 18  # fits a 64-bit database integer

_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{1,2})")
_DATETIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]{1,6}))?)?"
    r"(?:([Zz])|([+-])([0-9]{2}):?([0-9]{2}))?")
_INT = re.compile(rf"[+-]?[0-9]{{1,{MAX_INT_DIGITS}}}")


class ParseError(ValueError):
    """Text that is not the value asked for, or one out of range; the message says which, in English."""


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise ParseError(f"must be {what} written as text")
    return value.strip()


def _year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ParseError(f"the year must be from {MIN_YEAR} to {MAX_YEAR}")


def check_year(value: dt.date) -> dt.date:
    """The date or datetime itself when its year is from 1900 to 2999, else a ParseError."""
    _year(value.year)
    return value


def parse_date(text: str) -> dt.date:
    """`YYYY-MM-DD` → a date."""
    match = _DATE.fullmatch(_text(text, "a date (YYYY-MM-DD)"))
    if match is None:
        raise ParseError("must be a date written YYYY-MM-DD")
    year, month, day = map(int, match.groups())
    _year(year)
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ParseError("no such date") from None


def parse_month(text: str) -> dt.date:
    """`YYYY-MM` (or `YYYY-M`) → the first day of that month."""
    match = _MONTH.fullmatch(_text(text, "a month (YYYY-MM)"))
    if match is None:
        raise ParseError("must be a month written YYYY-MM")
    year, month = map(int, match.groups())
    _year(year)
    if not 1 <= month <= 12:
        raise ParseError("the month must be from 01 to 12")
    return dt.date(year, month, 1)


def parse_aware_datetime(text: str) -> dt.datetime:
    """`YYYY-MM-DDTHH:MM[:SS[.ffffff]]` with `Z` or a UTC offset `±HH:MM` → an aware datetime with
    that fixed offset. A time without an offset is refused: it names no single moment."""
    match = _DATETIME.fullmatch(_text(text, "a date and time (ISO 8601)"))
    if match is None:
        raise ParseError("must be a date and time written like 2027-03-29T08:00:00+03:00")
    year, month, day, hour, minute, second, fraction, zulu, sign, offset_hours, offset_minutes = match.groups()
    _year(int(year))
    if zulu:
        zone = dt.UTC
    elif sign:
        if int(offset_minutes) >= 60:
            raise ParseError("the UTC offset's minutes must be below 60")
        offset = dt.timedelta(hours=int(offset_hours), minutes=int(offset_minutes))
        if offset > MAX_OFFSET:
            raise ParseError("the UTC offset must be from -14:00 to +14:00")
        zone = dt.timezone(-offset if sign == "-" else offset)
    else:
        raise ParseError("needs a UTC offset such as +03:00 or Z")
    try:
        return dt.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0),
                           int((fraction or "0").ljust(6, "0")), tzinfo=zone)
    except ValueError:
        raise ParseError("no such date or time") from None


def parse_int(text: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """A whole number written in ASCII digits (an optional sign), within [minimum, maximum]."""
    value = _text(text, "a whole number")
    if _INT.fullmatch(value) is None:
        raise ParseError("must be a whole number")
    number = int(value)
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise ParseError(f"must be from {minimum} to {maximum}" if minimum is not None and maximum is not None
                         else f"must be at least {minimum}" if minimum is not None else f"must be at most {maximum}")
    return number


def or_none[T](parse: Callable[..., T], text: str | None, **limits) -> T | None:
    """The parsed value, or None when the text is missing, empty or not valid (a page that falls back)."""
    if not text:
        return None
    try:
        return parse(text, **limits)
    except ParseError:
        return None


# --- The API: pydantic field types, so bad values are 422 in docs/api.md's shape ------------------------------------

def _api(parse: Callable[[str], Any], kind: type) -> Callable[[Any], Any]:
    def validate(value: Any) -> Any:
        if isinstance(value, kind) and not isinstance(value, bool):
            # Only Python callers hand over ready values; they are bounded all the same.
            if kind is dt.datetime and value.tzinfo is None:
                raise ParseError("needs a UTC offset such as +03:00 or Z")
            return check_year(value)
        return parse(value)

    return validate


# A date `YYYY-MM-DD` in the years 1900–2999 (no timestamps, no other forms pydantic would take).
ApiDate = Annotated[dt.date, BeforeValidator(_api(parse_date, dt.date)), WithJsonSchema(
    {"type": "string", "format": "date", "description": f"YYYY-MM-DD, a year from {MIN_YEAR} to {MAX_YEAR}"})]
# A moment: ISO 8601 with a UTC offset (at most ±14:00), in the years 1900–2999.
ApiDatetime = Annotated[dt.datetime, BeforeValidator(_api(parse_aware_datetime, dt.datetime)), WithJsonSchema(
    {"type": "string", "format": "date-time",
     "description": f"ISO 8601 with a UTC offset (Z or ±HH:MM, at most ±14:00), a year from {MIN_YEAR} to {MAX_YEAR}"})]


# --- Pages: form fields whose errors are in the visitor's language ------------------------------------------------

class BoundedDateField(forms.DateField):
    """A date field of a page (the formats Django accepts for the language) refusing years out of 1900–2999."""

    default_error_messages = {"year": _("Enter a date between the years 1900 and 2999.")}

    def to_python(self, value):
        day = super().to_python(value)
        if day is not None and not MIN_YEAR <= day.year <= MAX_YEAR:
            raise forms.ValidationError(self.error_messages["year"], code="year")
        return day
