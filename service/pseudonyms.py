"""Pseudonyms of the people whose answers are anonymous (raters, respondents).

The service never stores a rater's or respondent's reference: it stores HMAC-SHA256 keyed with
SECRET_KEY over the organisation and the reference. The same person answering again gets the same
pseudonym (so their earlier answer is replaced); without the key a pseudonym leads back to no one.
Keep SECRET_KEY for the life of the data. If it must change, list the old key in SECRET_KEY_PREVIOUS:
a person who answered under an old key and answers again is recognised, and their stored response moves
to the pseudonym under the current key (see `earlier_pseudonyms`).
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Sequence


def pseudonym(secret_key: str, org_id: uuid.UUID, reference: str) -> bytes:
    """The 32-byte pseudonym of a reference in an organisation."""
    return hmac.new(secret_key.encode(), org_id.bytes + reference.encode(), hashlib.sha256).digest()


def earlier_pseudonyms(secret_keys: Sequence[str], org_id: uuid.UUID, reference: str) -> list[bytes]:
    """The pseudonyms the reference had under the previous keys (every key but the first)."""
    return every_pseudonym(secret_keys[1:], org_id, reference)


def every_pseudonym(secret_keys: Sequence[str], org_id: uuid.UUID, reference: str) -> list[bytes]:
    """The reference's pseudonyms under every key in use: the current one first, then the previous ones."""
    return [pseudonym(key, org_id, reference) for key in secret_keys]
