"""bot.identity_token.verify: anything that is not a valid token is None, never an error."""

from __future__ import annotations

import pytest

from bot import identity_token

KEY = "a-test-key-of-the-identity-tokens"


def test_a_signed_token_is_verified():
    token = identity_token.sign({"shop_customer_id": "C0001"}, key=KEY)
    assert identity_token.verify(token, key=KEY)["shop_customer_id"] == "C0001"


@pytest.mark.parametrize(
    "token",
    ["", "\ud800", "令牌", "a.b.c\ud800", "x" * 5000, None, 42, {"shop_customer_id": "C0001"}, "not.a.jwt"],
    ids=["empty", "lone surrogate", "chinese", "surrogate tail", "huge", "none", "int", "bare claims", "garbage"],
)
def test_anything_else_is_none(token):
    assert identity_token.verify(token, key=KEY) is None
