"""Delivering verification codes: a real SMS gateway, or the SMS outbox file in development.

Codes never go into a log line. ``SHOP_SMS_GATEWAY=outbox`` (the default, development only;
production mode refuses it) appends one JSON object per code to ``SHOP_SMS_OUTBOX``
(``{"phone", "code", "purpose", "time"}``, file mode 0600), where a developer or a test
reads it as the SMS would deliver it. Any other value names a real gateway,
``module:function``, called as ``function(phone, code, purpose)``.
"""

from __future__ import annotations

import importlib
import json
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Callable

from .settings import OUTBOX_GATEWAY, Settings

# What a code is for (the "purpose" of an outbox record and of a gateway call).
LOGIN = "login"
PHONE_CHANGE = "phone_change"

Gateway = Callable[[str, str, str], None]

_outbox_lock = threading.Lock()


def deliver(settings: Settings, phone: str, code: str, purpose: str, time: str) -> None:
    """Sends ``code`` to ``phone`` through the configured gateway."""
    gateway = settings.sms_gateway.strip()
    if gateway == OUTBOX_GATEWAY:
        append_to_outbox(settings.sms_outbox, {"phone": phone, "code": code, "purpose": purpose, "time": time})
    else:
        load_gateway(gateway)(phone, code, purpose)


def append_to_outbox(path: Path, record: dict) -> None:
    """One JSON line, written with one ``write`` in append mode (whole lines across processes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    with _outbox_lock:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)


@lru_cache(maxsize=8)
def load_gateway(spec: str) -> Gateway:
    """The callable ``module:function`` names; ValueError when it names none."""
    module, _, attr = spec.partition(":")
    if not module or not attr:
        raise ValueError(f"SHOP_SMS_GATEWAY must be '{OUTBOX_GATEWAY}' or 'module:function', not {spec!r}")
    gateway = getattr(importlib.import_module(module), attr, None)
    if not callable(gateway):
        raise ValueError(f"SHOP_SMS_GATEWAY {spec!r} is not a callable")
    return gateway


def check_gateway(settings: Settings) -> None:
    """At start-up: a configured gateway must load."""
    if settings.sms_gateway.strip() != OUTBOX_GATEWAY:
        load_gateway(settings.sms_gateway.strip())
