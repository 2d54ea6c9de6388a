import base64

from chalicelib.users import totp

# RFC 6238 appendix B, SHA-1 seed; the 8-digit values end in these 6 digits.
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


def test_rfc_6238_vectors():
    assert totp.code_for(RFC_SECRET, at=59) == "287082"
    assert totp.code_for(RFC_SECRET, at=1111111109) == "081804"
    assert totp.code_for(RFC_SECRET, at=2000000000) == "279037"


def test_accepts_one_step_of_drift_and_no_more():
    now = 1_700_000_000
    assert totp.matches(RFC_SECRET, totp.code_for(RFC_SECRET, at=now - 30), at=now)
    assert totp.matches(RFC_SECRET, totp.code_for(RFC_SECRET, at=now + 30), at=now)
    assert not totp.matches(RFC_SECRET, totp.code_for(RFC_SECRET, at=now - 90), at=now)
