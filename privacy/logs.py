"""Log redaction: no phone number, verification code, token or secret reaches a log line.

`install_log_redaction()` is called once at the start of every process (Rasa through
`bot.components`, the action server through `actions`, the shop backend, the handoff
service). It wraps `logging.Logger.makeRecord`, so every handler of every library sees
the redacted record: its message, the string values passed as `extra` (Sanic's access
log puts the request line there), the traceback and the stack.

`redact(text)` is what a log line may show:
- the exact values of the secrets in this process's environment (SECRET_VARIABLES);
- `privacy.mask_text`: phones in every form, codes, ID numbers, e-mail and street addresses;
- the values of secret URL parameters (`?access_token=...`, `secret`, `token`, `code`,
  `password`, ...) and of `Authorization: Bearer ...`;
- JSON Web Tokens anywhere.
"""

from __future__ import annotations

import logging
import os
import re
import traceback
from typing import Any, Iterable, List, Mapping, Optional

from privacy.masking import mask_text

REDACTED = "[redacted]"

# Environment variables whose values never appear in a log line.
SECRET_VARIABLES = (
    "RASA_JWT_SECRET",
    "RASA_TOKEN",
    "ACTIONS_TOKEN",
    "REST_CHANNEL_TOKEN",
    "WEBCHAT_SESSION_SECRET",
    "CHANNEL_IDENTITY_SECRET",
    "SHOP_SERVICE_KEY",
    "HANDOFF_SERVICE_KEY",
    "HANDOFF_RASA_JWT_SECRET",
    "HANDOFF_RASA_TOKEN",
    "HANDOFF_DEMO_PASSWORD",
    "WECHAT_SECRET",
    "WECHAT_TOKEN",
    "WECHAT_ENCODING_AES_KEY",
)
# Shorter values are not searched for: redacting "abc" everywhere would ruin every line
# (production refuses secrets this short anyway, contract.deployment).
MIN_SECRET_LENGTH = 6

# Parameter names whose values are secret, in URLs, forms, JSON and key=value text.
_SECRET_PARAMETER = re.compile(
    r"""(?P<key>["']?\b(?:access_token|refresh_token|id_token|token|secret|appsecret|client_secret|password|passwd|
    pwd|dev_code|verification_code|new_phone_code|encodingaeskey|api_key|apikey|
    service_key|session_secret|identity_token|jwt)["']?\s*[=:]\s*["']?)(?P<value>[^\s&"',;}<>]+)""",
    re.IGNORECASE | re.VERBOSE,
)
# Short names that are only secret as URL parameters (`?code=` of an OAuth redirect).
_URL_PARAMETER = re.compile(r"(?P<key>[?&](?:code|sign|signature|msg_signature|state)=)(?P<value>[^&\s\"'#]+)", re.I)
_BEARER = re.compile(r"(?P<key>\b(?:Bearer|Token|Basic)\s+)(?P<value>[A-Za-z0-9\-._~+/=]{6,})", re.IGNORECASE)
_SECRET_HEADER = re.compile(
    r"(?P<key>\bX-[A-Za-z-]*(?:Key|Token|Secret)[\"']?\s*[:=]\s*[\"']?)(?P<value>[^\s\"',;}]+)", re.I
)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")


def secret_values(environ: Optional[Mapping[str, str]] = None) -> List[str]:
    """The values of SECRET_VARIABLES set in `environ` (default: this process), longest first."""
    environ = os.environ if environ is None else environ
    values = {environ.get(name) or "" for name in SECRET_VARIABLES}
    return sorted((v for v in values if len(v) >= MIN_SECRET_LENGTH), key=len, reverse=True)


def redact(text: str, secrets: Optional[Iterable[str]] = None) -> str:
    """The text as it may appear in a log line."""
    for value in secret_values() if secrets is None else secrets:
        if value in text:
            text = text.replace(value, REDACTED)
    text = mask_text(text)
    text = _JWT.sub(REDACTED, text)
    text = _BEARER.sub(lambda m: m.group("key") + REDACTED, text)
    text = _SECRET_HEADER.sub(lambda m: m.group("key") + REDACTED, text)
    text = _URL_PARAMETER.sub(lambda m: m.group("key") + REDACTED, text)
    return _SECRET_PARAMETER.sub(lambda m: m.group("key") + REDACTED, text)


# Attributes every LogRecord has; anything else came in through `extra`.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({})))


def redact_record(record: logging.LogRecord) -> None:
    """Rewrites `record` in place so that nothing secret or personal is left in it."""
    secrets = secret_values()
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: the handler reports it; show the raw parts redacted
        message = f"{record.msg} {record.args}"
    record.msg, record.args = redact(message, secrets), ()
    for key, value in list(vars(record).items()):
        if key not in _STANDARD_ATTRIBUTES and isinstance(value, str):
            setattr(record, key, redact(value, secrets))
    if record.exc_info and not record.exc_text:
        record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
    if record.exc_text:
        record.exc_text = redact(record.exc_text, secrets)
    if record.stack_info:
        record.stack_info = redact(record.stack_info, secrets)


_installed = False


def install_log_redaction() -> None:
    """Redact every log record made from now on, by any logger of this process (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    make_record = logging.Logger.makeRecord

    def redacting_make_record(self: logging.Logger, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(self, *args, **kwargs)
        redact_record(record)
        return record

    logging.Logger.makeRecord = redacting_make_record  # type: ignore[method-assign]
