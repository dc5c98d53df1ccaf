"""Personal data in customer text: the one masking function every process uses.

Standard library only, so that the Rasa server, the action server, the handoff
service and the shop backend all import it. Everything that shows, stores or
logs customer text (replies, transcripts, handoff packages, the console, log
lines) passes it through `mask_text`.
"""

from privacy.masking import mask_text

__all__ = ["mask_text"]
