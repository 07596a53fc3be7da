"""Standard Webhooks signing: the spec's test vector, and agreement with the reference `standardwebhooks` package."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from service.webhooks.domain import signing
from service.webhooks.domain.signing import SignatureError

# The test vector published with the Standard Webhooks specification and its reference libraries.
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
TIMESTAMP = 1614265330
BODY = b'{"test": 2432232314}'
SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def check(signature: str, *, secret: str = SECRET, body: bytes = BODY, timestamp: str = str(TIMESTAMP),
          now: float = TIMESTAMP, msg_id: str = MSG_ID) -> int:
    return signing.verify(secret, msg_id=msg_id, timestamp=timestamp, signature=signature, body=body, now=now)


def test_the_specification_vector_signs_and_verifies() -> None:
    assert signing.sign(SECRET, MSG_ID, TIMESTAMP, BODY) == SIGNATURE
    assert check(SIGNATURE) == TIMESTAMP


def test_the_secret_prefix_is_optional_as_in_the_reference_libraries() -> None:
    assert signing.sign(SECRET.removeprefix("whsec_"), MSG_ID, TIMESTAMP, BODY) == SIGNATURE


@pytest.mark.parametrize("tampered", [
    {"body": b'{"test": 2432232315}'},
    {"msg_id": "msg_other"},
    {"secret": "whsec_" + base64.b64encode(b"another secret of 32 bytes......").decode()},
])
def test_any_change_breaks_the_signature(tampered: dict) -> None:
    with pytest.raises(SignatureError, match="no valid v1 signature"):
        check(SIGNATURE, **tampered)


def test_a_different_timestamp_breaks_the_signature() -> None:
    with pytest.raises(SignatureError):
        check(SIGNATURE, timestamp=str(TIMESTAMP + 1), now=TIMESTAMP)


def test_a_space_separated_list_passes_if_any_v1_entry_matches() -> None:
    header = " ".join(["v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
                       "v2," + SIGNATURE.split(",")[1], SIGNATURE, "v1,not-base64!!", "garbage"])
    assert check(header) == TIMESTAMP
    with pytest.raises(SignatureError):
        check("v2," + SIGNATURE.split(",")[1])  # the right MAC under an unknown version does not count


@pytest.mark.parametrize(("offset", "ok"), [(-300, True), (300, True), (-301, False), (301, False)])
def test_five_minutes_tolerance_either_way(offset: int, ok: bool) -> None:
    now = TIMESTAMP - offset  # the message was signed `offset` seconds from our clock
    if ok:
        assert check(SIGNATURE, now=now) == TIMESTAMP
    else:
        with pytest.raises(SignatureError, match="5 minutes"):
            check(SIGNATURE, now=now)


@pytest.mark.parametrize(("headers", "message"), [
    ({"msg_id": ""}, "webhook-id"),
    ({"timestamp": ""}, "webhook-timestamp"),
    ({"timestamp": "1614265330.5"}, "whole seconds"),
    ({"timestamp": "-1"}, "whole seconds"),
])
def test_missing_or_malformed_headers_are_named(headers: dict, message: str) -> None:
    with pytest.raises(SignatureError, match=message):
        check(SIGNATURE, **headers)
    with pytest.raises(SignatureError, match="webhook-signature"):
        signing.verify(SECRET, msg_id=MSG_ID, timestamp=str(TIMESTAMP), signature=None, body=BODY, now=TIMESTAMP)


def test_new_secrets_are_32_random_bytes_behind_the_prefix() -> None:
    first, second = signing.new_secret(), signing.new_secret()
    assert first.startswith("whsec_") and first != second
    assert len(signing.decode_secret(first)) == 32
    with pytest.raises(ValueError, match="base64"):
        signing.decode_secret("whsec_not base64!")


def test_our_signatures_verify_with_the_standardwebhooks_package() -> None:
    secret = signing.new_secret()
    now = int(time.time())
    body = '{"type":"ping","timestamp":"2026-01-01T00:00:00.000Z","data":{"message":"héllo"}}'.encode()
    headers = signing.signed_headers(secret, "c0ffee00-0000-4000-8000-000000000001", now, body)
    assert Webhook(secret).verify(body, headers) == {"type": "ping", "timestamp": "2026-01-01T00:00:00.000Z",
                                                     "data": {"message": "héllo"}}
    headers["webhook-signature"] = signing.sign(signing.new_secret(), headers["webhook-id"], now, body)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, headers)


def test_the_standardwebhooks_packages_signatures_verify_with_ours() -> None:
    secret = signing.new_secret()
    sent = datetime.now(UTC).replace(microsecond=0)
    body = '{"type":"ping","data":{}}'
    signature = Webhook(secret).sign("msg_1", sent, body)
    assert signing.verify(secret, msg_id="msg_1", timestamp=str(int(sent.timestamp())), signature=signature,
                          body=body.encode(), now=sent.timestamp()) == int(sent.timestamp())
