"""Secrets the service must be able to read back (webhook signing secrets), sealed at rest.

A sealed value is `sealed:v1:<key id>:<base64 of nonce + AES-256-GCM ciphertext>`. The key is derived
from SECRET_KEY with HKDF-SHA256 (its own purpose string, so it is never the key pseudonyms are made
with); the key id is the first 8 hex digits of a digest of that key, so a value names the key it was
sealed under without revealing it. The associated data binds a value to where it is stored (table and
organisation), so a sealed secret copied into another row or organisation does not open.

Rotation: start every process with the new SECRET_KEY and the old one in SECRET_KEY_PREVIOUS. Values
sealed under any listed key open; start-up seals again, under the current key, every value that is not
sealed under it (and any plaintext secret kept from before sealing existed).
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "sealed:v1:"
PURPOSE = b"mlcf-assessment/sealed-secrets/v1"
NONCE_BYTES = 12


class Unsealable(Exception):
    """A stored value no configured key opens (its key is not in SECRET_KEY or SECRET_KEY_PREVIOUS)."""


def _derive(secret_key: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE).derive(secret_key.encode())


def _key_id(key: bytes) -> str:
    return hashlib.sha256(b"key id:" + key).hexdigest()[:8]


class Sealer:
    """Seals with the first key, opens with any of them."""

    def __init__(self, secret_keys: Sequence[str]) -> None:
        if not secret_keys:
            raise ValueError("at least one key is needed")
        derived = [_derive(k) for k in secret_keys]
        self.current = _key_id(derived[0])
        self._keys = {_key_id(k): AESGCM(k) for k in reversed(derived)}  # the current key wins a clash

    def seal(self, plaintext: str, context: bytes) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._keys[self.current].encrypt(nonce, plaintext.encode(), context)
        return f"{PREFIX}{self.current}:{base64.b64encode(nonce + sealed).decode()}"

    def open(self, stored: str, context: bytes) -> str:
        """The plaintext of a sealed value; a value from before sealing existed is returned as it is."""
        if not stored.startswith(PREFIX):
            return stored
        key_id, _, data = stored[len(PREFIX):].partition(":")
        key = self._keys.get(key_id)
        if key is None:
            raise Unsealable(f"sealed under key {key_id}, which is neither SECRET_KEY nor in SECRET_KEY_PREVIOUS")
        raw = base64.b64decode(data)
        try:
            return key.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context).decode()
        except InvalidTag:
            raise Unsealable(f"sealed under key {key_id} for another row, or altered") from None

    def is_current(self, stored: str) -> bool:
        return stored.startswith(f"{PREFIX}{self.current}:")
