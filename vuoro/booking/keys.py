"""Reservation keys and PINs: from a cryptographic source; PINs kept only as keyed hashes.

Everything keyed by the server's secret is checked against the current key and then each of
VUORO_SECRET_KEY_FALLBACKS (settings.SECRET_KEY_FALLBACKS), so the key can be rotated without
losing the PINs, links and sealed values made with the one before; new ones use the current key.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable

from django.conf import settings

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
KEY_LENGTH = 10
PIN_DIGITS = 6
KEY_RE = re.compile(f"[{CROCKFORD}]{{{KEY_LENGTH}}}")  # a normalised reservation key


def new_reservation_key() -> str:
    # 50 bits from the system's source in one call (not ten), five bits a character: each of the
    # 32 symbols equally likely at every position.
    bits = int.from_bytes(secrets.token_bytes((5 * KEY_LENGTH + 7) // 8), "big")
    return "".join(CROCKFORD[(bits >> (5 * position)) & 31] for position in range(KEY_LENGTH))


def new_pin() -> str:
    return f"{secrets.randbelow(10**PIN_DIGITS):0{PIN_DIGITS}d}"


def normalise_key(text: str) -> str:
    """Crockford's reading rules: case-insensitive, O→0, I/L→1, hyphens and spaces ignored."""
    text = text.strip().upper().replace("-", "").replace(" ", "")
    return text.translate(str.maketrans("OIL", "011"))


def secret_keys() -> list[str]:
    """The server's secret, then the earlier ones still accepted (newest first)."""
    return [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]


def _digest(salt: str, reservation_key: str, pin: str, *, secret: str) -> str:
    # A keyed hash (HMAC with the server's secret) rather than a slow password hash: a 6-digit
    # PIN falls to any offline search, so what protects it is the secret and the online guard
    # on guessing, and bookings stay fast.
    message = f"{salt}:{reservation_key}:{pin}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def hash_pin(reservation_key: str, pin: str) -> str:
    salt = secrets.token_hex(8)
    return f"hmac-sha256${salt}${_digest(salt, reservation_key, pin, secret=settings.SECRET_KEY)}"


def pin_match_secret(reservation_key: str, pin: str, stored: str) -> int | None:
    """Which of secret_keys() the stored hash was made with, when the PIN matches it (0: the
    current key; more: a fallback, so the hash should be made anew); None when it does not match."""
    try:
        scheme, salt, digest = stored.split("$")
    except ValueError:
        return None
    if scheme != "hmac-sha256":
        return None
    for index, secret in enumerate(secret_keys()):
        if hmac.compare_digest(digest, _digest(salt, reservation_key, pin, secret=secret)):
            return index
    return None


def pin_matches(reservation_key: str, pin: str, stored: str) -> bool:
    return pin_match_secret(reservation_key, pin, stored) is not None


def seal(text: str, pad: Callable[[str], bytes]) -> str:
    """`text` (at most 32 bytes, e.g. a PIN) XORed with `pad(current secret)`, and a tag that tells
    which secret sealed it, for values that must come back readable but never be stored so."""
    key = pad(settings.SECRET_KEY)
    data = text.encode()
    return _xor(data, key).hex() + "." + _tag(key, data)


def unseal(sealed: str, pad: Callable[[str], bytes]) -> str | None:
    """The text seal() sealed with the current secret or a fallback; None when none fits. A value
    sealed before tags were added (no ".") is opened with the current secret."""
    body, dot, tag = sealed.partition(".")
    try:
        data = bytes.fromhex(body)
    except ValueError:
        return None
    for secret in secret_keys() if dot else [settings.SECRET_KEY]:
        key = pad(secret)
        text = _xor(data, key)
        if not dot or hmac.compare_digest(tag, _tag(key, text)):
            try:
                return text.decode()
            except UnicodeDecodeError:
                return None
    return None


def _xor(data: bytes, key: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, key, strict=False))


def _tag(key: bytes, data: bytes) -> str:
    return hmac.new(key, b"tag:" + data, hashlib.sha256).hexdigest()[:16]
