"""Standard Webhooks signatures: `v1,<base64 HMAC-SHA256>` over `id.timestamp.body`, checked in constant time."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets

SECRET_PREFIX = "whsec_"  # noqa: S105 - the public marker of a secret, not one
VERSION = "v1"
TOLERANCE_SECONDS = 5 * 60
SECRET_BYTES = 32
MAX_SIGNATURES = 16  # a rotating sender sends two or three; more is abuse
_TIMESTAMP = re.compile(r"^[0-9]{1,15}$")


class SignatureError(ValueError):
    """The request is not signed with the secret, or is outside the time tolerance; the text says which."""


def new_secret() -> str:
    """A fresh `whsec_` secret: 32 random bytes, base64 after the prefix."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def decode_secret(secret: str) -> bytes:
    """The key bytes of a `whsec_…` secret (the prefix is optional, as in the reference libraries)."""
    raw = secret[len(SECRET_PREFIX):] if secret.startswith(SECRET_PREFIX) else secret
    try:
        key = base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("a webhook secret is `whsec_` followed by base64") from None
    if not key:
        raise ValueError("a webhook secret may not be empty")
    return key


def _digest(key: bytes, msg_id: str, timestamp: int | str, body: bytes) -> bytes:
    return hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value for one message at one time."""
    return f"{VERSION},{base64.b64encode(_digest(decode_secret(secret), msg_id, timestamp, body)).decode()}"


def signed_headers(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {"webhook-id": msg_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(secret, msg_id, timestamp, body)}


def verify(secret: str, *, msg_id: str | None, timestamp: str | None, signature: str | None,
           body: bytes, now: float) -> int:
    """Check the three Standard Webhooks headers against the raw body; returns the timestamp or raises."""
    if not msg_id or not timestamp or not signature:
        missing = [name for name, value in (("webhook-id", msg_id), ("webhook-timestamp", timestamp),
                                            ("webhook-signature", signature)) if not value]
        raise SignatureError(f"missing header(s): {', '.join(missing)}")
    if not _TIMESTAMP.match(timestamp):
        raise SignatureError("webhook-timestamp must be whole seconds since the Unix epoch")
    sent = int(timestamp)
    if sent < now - TOLERANCE_SECONDS:
        raise SignatureError(f"webhook-timestamp is more than {TOLERANCE_SECONDS // 60} minutes old")
    if sent > now + TOLERANCE_SECONDS:
        raise SignatureError(f"webhook-timestamp is more than {TOLERANCE_SECONDS // 60} minutes in the future")
    expected = _digest(decode_secret(secret), msg_id, timestamp, body)
    matched = False
    for candidate in signature.split(" ")[:MAX_SIGNATURES]:
        version, _, encoded = candidate.partition(",")
        if version != VERSION or not encoded:
            continue
        try:
            given = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            continue
        # Compare every candidate (no early exit) so timing says nothing about which one matched.
        matched = hmac.compare_digest(expected, given) or matched
    if not matched:
        raise SignatureError("no valid v1 signature in webhook-signature")
    return sent
