"""The handoff relay's settings (bot/brokers/handoff_relay.py), in one home.

Read from the broker's section of endpoints.yml (`event_broker:`); the environment wins
for HANDOFF_URL, HANDOFF_SERVICE_KEY and HANDOFF_OUTBOX_PATH.

| endpoints.yml key   | default                  | meaning                                              |
|---------------------|--------------------------|------------------------------------------------------|
| url                 | http://127.0.0.1:8200    | the handoff service                                  |
| service_key         | dev-service-key          | its service key                                      |
| timeout             | 3.0                      | seconds one POST may take                            |
| outbox              | var/handoff-outbox.db    | the SQLite outbox (relative: to Rasa's working dir,  |
|                     |                          | the project root, like the tracker store's file)     |
| outbox_max_rows     | 100000                   | undelivered events kept; beyond, refused loudly      |
| concurrency         | 8                        | conversations relayed at the same time               |
| backoff_initial     | 0.5                      | first wait after a failed try (seconds), doubling    |
| backoff_max         | 30.0                     | longest wait between two tries of one conversation   |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional

DEFAULT_URL = "http://127.0.0.1:8200"
DEFAULT_SERVICE_KEY = "dev-service-key"
DEFAULT_OUTBOX = "var/handoff-outbox.db"
URL_ENV = "HANDOFF_URL"
SERVICE_KEY_ENV = "HANDOFF_SERVICE_KEY"
OUTBOX_ENV = "HANDOFF_OUTBOX_PATH"
EVENTS_PATH = "/api/rasa-events"


@dataclass(frozen=True)
class RelaySettings:
    url: str = DEFAULT_URL
    service_key: str = DEFAULT_SERVICE_KEY
    timeout_s: float = 3.0
    outbox_path: Path = Path(DEFAULT_OUTBOX)
    outbox_max_rows: int = 100_000
    concurrency: int = 8
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 30.0

    @property
    def events_url(self) -> str:
        return self.url.rstrip("/") + EVENTS_PATH

    @classmethod
    def from_endpoint(
        cls, url: Optional[str], section: Mapping[str, Any], environ: Mapping[str, str] = os.environ
    ) -> RelaySettings:
        """The settings of endpoints.yml's `event_broker` section (`url` apart, as Rasa parses it)."""
        outbox = Path(environ.get(OUTBOX_ENV) or section.get("outbox") or DEFAULT_OUTBOX)
        return cls(
            url=environ.get(URL_ENV) or url or DEFAULT_URL,
            service_key=environ.get(SERVICE_KEY_ENV) or section.get("service_key") or DEFAULT_SERVICE_KEY,
            timeout_s=float(section.get("timeout", cls.timeout_s)),
            outbox_path=outbox if outbox.is_absolute() else Path.cwd() / outbox,
            outbox_max_rows=int(section.get("outbox_max_rows", cls.outbox_max_rows)),
            concurrency=max(1, int(section.get("concurrency", cls.concurrency))),
            backoff_initial_s=float(section.get("backoff_initial", cls.backoff_initial_s)),
            backoff_max_s=float(section.get("backoff_max", cls.backoff_max_s)),
        )

    def backoff_s(self, failures: int) -> float:
        """The wait after the `failures`-th failed try in a row: doubling, capped."""
        return min(self.backoff_max_s, self.backoff_initial_s * 2 ** min(failures - 1, 30))
