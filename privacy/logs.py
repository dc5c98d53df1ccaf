"""Log redaction: no phone number, verification code, token or secret reaches a log line.

`install_log_redaction()` is called once at the start of every process (Rasa,
the action server, the shop backend, the handoff service). It wraps the log
record factory, so every handler of every library sees the redacted text.
"""

from __future__ import annotations

import logging
from typing import Any

from privacy.masking import mask_text

_installed = False


def redact(text: str) -> str:
    """The text as it may appear in a log line."""
    return mask_text(text)


def install_log_redaction() -> None:
    """Redact every log record created from now on (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    original = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = original(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the handler's own error path
            return record
        record.msg, record.args = redact(message), ()
        return record

    logging.setLogRecordFactory(factory)
