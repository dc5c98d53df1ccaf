"""The human-handoff service of the customer-service assistant.

Owns who holds a conversation (BOT → QUEUED → AGENT → BOT | CLOSED), stores handoffs,
their messages, agents, notes, tickets and outcomes, and serves the agent console.
Contract: ``handoff/API.md``. Run it with ``python -m handoff serve`` (``scripts/handoff``).
"""

__version__ = "1.0.0"
