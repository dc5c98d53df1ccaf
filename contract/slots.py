"""Tracker slots that one process sets and another reads (domain.yml declares them).

The policy (bot/policies) reads what the actions (actions/) set; the handoff
package carries some of them to the service.
"""

from __future__ import annotations

from typing import Tuple

HANDOFF_TRIGGER = "handoff_trigger"  # policy → action_handoff: {reason, reading, upset, vip, priority}
ERRAND = "errand"
ERRAND_OUTCOME = "errand_outcome"  # action_do_errand → policy: one of OUTCOMES
ERRAND_FAILURES = "errand_failures"  # failed errands in a row
VERIFIED = "verified"
# When the identity was last proven (epoch seconds) and for whom: VERIFIED_FOR is
# {"customer_id", "phone", "via": one of VIA}. The actions trust an identity by its
# age (actions/identity.py), the handoff package shows it as verified only while fresh.
VERIFIED_AT = "verified_at"
VERIFIED_FOR = "verified_for"
VIA_CODE = "code"  # an SMS code to the account's phone
VIA_CHANNEL = "channel"  # a channel's signed identity token
CUSTOMER_ID = "customer_id"
CUSTOMER_NAME = "customer_name"
CUSTOMER_LEVEL = "customer_level"
PHONE = "phone"
ORDER_ID = "order_id"

# Values of ERRAND_OUTCOME.
OUTCOME_DONE = "done"
OUTCOME_FAILED = "failed"
OUTCOME_BACKEND_DOWN = "backend_down"
OUTCOMES: Tuple[str, ...] = (OUTCOME_DONE, OUTCOME_FAILED, OUTCOME_BACKEND_DOWN)

# The satisfaction question after a conversation the bot finished alone (no person):
# BOT_SURVEY_OPEN is true while the question waits for its answer, BOT_SURVEY_ASKED
# once it was asked in this conversation (at most once; never after a handoff's survey).
BOT_SURVEY_OPEN = "bot_survey_open"
BOT_SURVEY_ASKED = "bot_survey_asked"
