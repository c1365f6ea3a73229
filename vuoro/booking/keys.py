"""Reservation keys and PINs: from a cryptographic source; PINs kept only as keyed hashes."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from django.conf import settings

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
KEY_LENGTH = 10
PIN_DIGITS = 6
KEY_RE = re.compile(f"[{CROCKFORD}]{{{KEY_LENGTH}}}")  # a normalised reservation key


def new_reservation_key() -> str:
    return "".join(secrets.choice(CROCKFORD) for _ in range(KEY_LENGTH))


def new_pin() -> str:
    return f"{secrets.randbelow(10**PIN_DIGITS):0{PIN_DIGITS}d}"


def normalise_key(text: str) -> str:
    """Crockford's reading rules: case-insensitive, O→0, I/L→1, hyphens and spaces ignored."""
    text = text.strip().upper().replace("-", "").replace(" ", "")
    return text.translate(str.maketrans("OIL", "011"))


def _digest(salt: str, reservation_key: str, pin: str) -> str:
    # A keyed hash (HMAC with the server's secret) rather than a slow password hash: a 6-digit
    # PIN falls to any offline search, so what protects it is the secret and the online guard
    # on guessing, and bookings stay fast.
    message = f"{salt}:{reservation_key}:{pin}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def hash_pin(reservation_key: str, pin: str) -> str:
    salt = secrets.token_hex(8)
    return f"hmac-sha256${salt}${_digest(salt, reservation_key, pin)}"


def pin_matches(reservation_key: str, pin: str, stored: str) -> bool:
    try:
        scheme, salt, digest = stored.split("$")
    except ValueError:
        return False
    return scheme == "hmac-sha256" and hmac.compare_digest(digest, _digest(salt, reservation_key, pin))
