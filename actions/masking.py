"""Phone numbers and verification codes never appear in full in replies or logs; e-mails are hinted."""

from __future__ import annotations

import logging
import re
from typing import Optional

PHONE_RE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
# 6-digit codes next to the words that name them (code / 验证码), in log lines.
CODE_RE = re.compile(r"((?:code|验证码)[^0-9]{0,40}?(?:\d{3}\*{4}\d{4}[^0-9]{0,10})?)(\d{6})(?!\d)", re.IGNORECASE)


def mask_phone(text: str) -> str:
    """138****8000 for every mainland mobile number in the text."""
    return PHONE_RE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text or "")


def mask_email(email: Optional[str]) -> str:
    """zhangwei@example.com → zh***@example.com (a hint, not the address)."""
    name, at, host = (email or "").partition("@")
    if not at:
        return email or ""
    return f"{name[:2] if len(name) > 2 else name[:1]}***@{host}"


def mask_secrets(text: str) -> str:
    return CODE_RE.sub(lambda m: f"{m.group(1)}******", mask_phone(text))


class MaskingFilter(logging.Filter):
    """Rewrites every log record so that phones and codes are masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave the record alone
            return True
        masked = mask_secrets(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


_installed = False


def install_log_filter() -> None:
    """Adds the filter to the root handlers and to the loggers this package uses."""
    global _installed
    if _installed:
        return
    _installed = True
    masking = MaskingFilter()
    for handler in logging.getLogger().handlers:
        handler.addFilter(masking)
    for name in (
        "actions",
        "actions.backend_client",
        "actions.errand_actions",
        "actions.handoff_actions",
        "actions.handoff_client",
        "actions.identity",
        "rasa_sdk",
        "rasa_sdk.executor",
        "rasa_sdk.endpoint",
        "httpx",
        "httpcore",
    ):
        logging.getLogger(name).addFilter(masking)
