"""Rasa SDK action server: identity, order and account errands against the shop backend.

`rasa run actions` imports this package; the action classes live in
`actions.errands`, `actions.identity` and `actions.handoff`.
"""

from actions import errands, handoff, identity  # noqa: F401  (registers the actions)
from actions.masking import install_log_filter

install_log_filter()
