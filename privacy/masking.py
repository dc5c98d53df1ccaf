"""Masks phone numbers, verification codes, e-mail addresses and street addresses in free text."""

from __future__ import annotations

import re

PHONE_RE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
CODE_RE = re.compile(r"((?:code|验证码)[^0-9]{0,40}?)(\d{6})(?!\d)", re.IGNORECASE)


def mask_text(text: str) -> str:
    """The text with personal data masked (first version: plain mobile numbers and named codes)."""
    masked = PHONE_RE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text or "")
    return CODE_RE.sub(lambda m: f"{m.group(1)}******", masked)
