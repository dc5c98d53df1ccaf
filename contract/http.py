"""Header names between the project's services."""

from __future__ import annotations

# What the action server and the event broker send to the shop backend and the handoff service.
SERVICE_KEY_HEADER = "X-Service-Key"
