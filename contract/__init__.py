"""The cross-process contract: names that more than one process must spell alike.

Dependency-free (standard library only), so that every Python runtime imports it:
the Rasa server (bot/), the action server (actions/), the handoff service
(handoff/) and the shop backend (shop_backend/). Browser pages get what they need
of it from the handoff service's API (`GET /api/labels`), never a copy.

- `contract.handoff`: handoff reasons, states, dispositions and their Chinese labels
- `contract.slots`: tracker slots read by another process than the one that sets them
- `contract.messages`: the agent-message shape that channels render as a person's
- `contract.channels`: input channel names and their labels
- `contract.http`: header names between services
- `contract.deployment`: development or production mode, and the demo values production refuses
"""
