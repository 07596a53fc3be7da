"""Pseudonyms of the people whose answers are anonymous (raters, respondents).

The service never stores a rater's or respondent's reference: it stores HMAC-SHA256 keyed with
SECRET_KEY over the organisation and the reference. The same person answering again gets the same
pseudonym (so their earlier answer is replaced); without the key a pseudonym leads back to no one.
Changing SECRET_KEY makes every later answer a new person's: keep it for the life of the data.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid


def pseudonym(secret_key: str, org_id: uuid.UUID, reference: str) -> bytes:
    """The 32-byte pseudonym of a reference in an organisation."""
    return hmac.new(secret_key.encode(), org_id.bytes + reference.encode(), hashlib.sha256).digest()
