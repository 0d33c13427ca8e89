import base64
import json

import pytest

from cdr_shared.tokens import jwt_lifetime_seconds


def jwt_with(claims) -> str:
    def part(value) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


def test_lifetime_is_exp_minus_iat_whatever_this_machines_clock_says():
    assert jwt_lifetime_seconds(jwt_with({"iat": 1_000, "exp": 1_300, "sub": "1111"})) == 300.0


@pytest.mark.parametrize(
    "token",
    [
        "aws80:c2353445-bc74-af1a-2850-1d55a371c0a9",  # a permanent RingCX API token: not a JWT
        "a.b",
        "a.!!!.c",
        jwt_with({"exp": 1_300}),
        jwt_with({"iat": 1_300, "exp": 1_000}),
        jwt_with({"iat": True, "exp": 5}),
        jwt_with(["not", "an", "object"]),
    ],
)
def test_tokens_without_a_readable_lifetime_give_none(token):
    assert jwt_lifetime_seconds(token) is None
