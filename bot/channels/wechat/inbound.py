"""What a WeChat push means for the bot: a text for Rasa, a welcome, or something it cannot read."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional

from wechatpy.messages import BaseMessage

TEXT = "text"
WELCOME = "welcome"
UNSUPPORTED = "unsupported"

# What Rasa receives when someone follows the account: the greeting rule answers it.
WELCOME_PAYLOAD = "/greet"

# Events that start a conversation; menu clicks get the "text only" note; other
# events (unsubscribe, location reports, menu links, template results) need no answer.
WELCOME_EVENTS = {"subscribe", "subscribe_scan", "scan"}
UNSUPPORTED_EVENTS = {
    "click",
    "scancode_push",
    "scancode_waitmsg",
    "pic_sysphoto",
    "pic_photo_or_album",
    "pic_weixin",
    "location_select",
}


@dataclass(frozen=True)
class Inbound:
    kind: str
    openid: str
    account: str  # the Official Account's original ID (ToUserName)
    key: str  # dedupe key: one per message, identical in WeChat's retries
    text: str = ""
    message_id: Optional[str] = None
    # True when WeChat's signature covered the message itself (msg_signature over the
    # encrypted body); a plaintext push's signature covers only timestamp and nonce.
    body_signed: bool = False


def classify(message: BaseMessage, body_signed: bool = False) -> Optional[Inbound]:
    """The Inbound for a parsed push, or None when it needs no answer."""
    inbound = _classify(message)
    return replace(inbound, body_signed=body_signed) if inbound is not None else None


def _classify(message: BaseMessage) -> Optional[Inbound]:
    raw = message._data  # the XML fields as sent
    openid, account = str(message.source), str(message.target or "")
    msg_type = str(raw.get("MsgType", "")).lower()
    if msg_type == "event":
        event = str(raw.get("Event", "")).lower()
        key = f"event:{openid}:{raw.get('CreateTime', '')}:{event}"
        if event in WELCOME_EVENTS:
            return Inbound(WELCOME, openid, account, key, WELCOME_PAYLOAD)
        if event in UNSUPPORTED_EVENTS:
            return Inbound(UNSUPPORTED, openid, account, key)
        return None
    msg_id = str(raw.get("MsgId") or "")
    key = f"msg:{openid}:{msg_id}" if msg_id else f"msg:{openid}:{raw.get('CreateTime', '')}:{msg_type}"
    message_id = f"wechat-{msg_id}" if msg_id else None
    if msg_type == "text":
        return Inbound(TEXT, openid, account, key, str(raw.get("Content") or ""), message_id)
    recognition = str(raw.get("Recognition") or "").strip()
    if msg_type == "voice" and recognition:
        # Accounts with speech recognition switched on get the words as text.
        return Inbound(TEXT, openid, account, key, recognition, message_id)
    return Inbound(UNSUPPORTED, openid, account, key, message_id=message_id)
