"""Header names between the project's services."""

from __future__ import annotations

# What the action server and the event broker send to the shop backend and the handoff service.
SERVICE_KEY_HEADER = "X-Service-Key"

# Who asks the shop backend for an SMS code: the action server sends the conversation's
# sender id; the backend throttles codes per requester (and per phone).
REQUESTER_HEADER = "X-Requester"
