"""Input channel names as Rasa records them (`input_channel` of user events)."""

from __future__ import annotations

from typing import Dict

WEBCHAT = "socketio"  # the web chat widget rides Rasa's socket.io channel
WECHAT = "wechat"
REST = "rest"
CHANNEL_LABELS: Dict[str, str] = {WEBCHAT: "网页", "webchat": "网页", WECHAT: "微信", REST: "API"}
