"""Rasa SDK action server: identity, order and account errands against the shop backend.

`rasa run actions` imports this package and every module in it; the action
classes live in `actions.errand_actions` (the generic errand actions),
`actions.errands` (one module per errand, with the asks of its own slots),
`actions.identity`, `actions.handoff_actions` and `actions.session_actions` (Rasa's
action_session_start and action_restart, which keep a held conversation paused).
"""

from actions import errand_actions, handoff_actions, identity, session_actions  # noqa: F401  (registers the actions)
from privacy.logs import install_log_redaction

install_log_redaction()
