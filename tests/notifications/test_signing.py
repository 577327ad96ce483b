"""Webhook signatures and the receiver-side verification with its replay window."""

import pytest

from backend.notifications.signing import SignatureError, compute, sign, verify

SECRET = "whsec_test"
BODY = b'{"id":"e1","type":"incident.escalated"}'


def test_sign_then_verify():
    header = sign(SECRET, BODY, timestamp=1_800_000_000)
    assert header.startswith("t=1800000000,v1=")
    assert verify(SECRET, BODY, header, now=1_800_000_010) == 1_800_000_000


def test_signature_covers_timestamp_and_body():
    header = sign(SECRET, BODY, timestamp=1_800_000_000)
    with pytest.raises(SignatureError):
        verify(SECRET, BODY + b" ", header, now=1_800_000_000)
    with pytest.raises(SignatureError):
        verify("whsec_other", BODY, header, now=1_800_000_000)
    # Moving the timestamp forward (to get past the window) breaks the signature.
    forged = header.replace("t=1800000000", "t=1800000400")
    with pytest.raises(SignatureError):
        verify(SECRET, BODY, forged, now=1_800_000_400)


@pytest.mark.parametrize("skew", [-301, 301])
def test_replay_outside_window_is_refused(skew):
    header = sign(SECRET, BODY, timestamp=1_800_000_000)
    with pytest.raises(SignatureError, match="tolerance"):
        verify(SECRET, BODY, header, now=1_800_000_000 + skew, tolerance=300)


@pytest.mark.parametrize("header", [None, "", "garbage", "t=abc,v1=00", "t=1", "v1=00"])
def test_malformed_headers(header):
    with pytest.raises(SignatureError):
        verify(SECRET, BODY, header, now=1)


def test_any_of_several_signatures_matches_for_rotation():
    t = 1_800_000_000
    header = f"t={t},v1={compute('whsec_old', t, BODY)},v1={compute(SECRET, t, BODY)}"
    assert verify(SECRET, BODY, header, now=t) == t
