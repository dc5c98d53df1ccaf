"""Rasa SDK action server: identity, order and account errands against the shop backend.

`rasa run actions` imports this package and every module in it; the action
classes live in `actions.errand_actions` (the generic errand actions),
`actions.errands` (one module per errand, with the asks of its own slots),
`actions.identity`, `actions.handoff_actions`, `actions.ticket_actions` (where a
ticket stands), `actions.faq_actions` (the FAQ answers, business hours from the handoff
service), `actions.survey_actions` (the satisfaction question after a conversation the bot
served alone) and `actions.session_actions` (Rasa's action_session_start and
action_restart, which keep a held conversation paused).
"""

from actions import (  # noqa: F401  (registers the actions)
    errand_actions,
    faq_actions,
    handoff_actions,
    identity,
    session_actions,
    survey_actions,
    ticket_actions,
)
from privacy.logs import install_log_redaction

install_log_redaction()
