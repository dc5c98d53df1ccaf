"""WeChat's message-push protocol: signatures, safe-mode crypto, parsing, passive replies.

Signatures are computed like wechatpy's `check_signature` (sha1 of the sorted
parts) but compared in constant time; AES and XML parsing are wechatpy's.
"""

from __future__ import annotations

import hmac
import re
import time
from typing import Optional

import xmltodict
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.messages import BaseMessage
from wechatpy.utils import WeChatSigner

# WeChat's pushes are a few hundred bytes; anything far larger is not from WeChat.
MAX_BODY_BYTES = 64 * 1024


class Refused(Exception):
    """The request is not a genuine WeChat push (HTTP 403)."""


class Malformed(Exception):
    """Signed, but not something we can read (HTTP 400)."""


def sha1_signature(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def signature_matches(expected: str, given: Optional[str]) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), str(given).lower().encode())


def check_request_signature(
    token: str, signature: Optional[str], timestamp: Optional[str], nonce: Optional[str]
) -> None:
    """The `signature` every push and the URL check carry; raises Refused."""
    if not timestamp or not nonce or not signature_matches(sha1_signature(token, timestamp, nonce), signature):
        raise Refused("signature")


def check_timestamp(timestamp: str, max_skew_s: float, now: Optional[float] = None) -> None:
    if max_skew_s <= 0:
        return
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        raise Refused("timestamp") from None
    if abs((now or time.time()) - sent) > max_skew_s:
        raise Refused("stale timestamp")


def parse_xml(body: bytes) -> dict:
    if len(body) > MAX_BODY_BYTES:
        raise Malformed("body too large")
    try:
        document = xmltodict.parse(body, disable_entities=True)
        root = document["xml"]
    except Exception as error:  # expat errors, missing root
        raise Malformed(f"not WeChat XML: {error}") from None
    if not isinstance(root, dict):
        raise Malformed("empty XML")
    return root


def decrypt_body(
    crypto: WeChatCrypto, token: str, outer: dict, msg_signature: Optional[str], timestamp: str, nonce: str
) -> str:
    """Safe/compatible mode: check `msg_signature` over Encrypt, then decrypt; raises Refused."""
    encrypted = outer.get("Encrypt")
    if not isinstance(encrypted, str) or not encrypted:
        raise Refused("no Encrypt element")
    if not signature_matches(sha1_signature(token, timestamp, nonce, encrypted), msg_signature):
        raise Refused("msg_signature")
    try:
        return crypto.decrypt_message({"Encrypt": encrypted}, str(msg_signature).lower(), timestamp, nonce)
    except (InvalidSignatureException, InvalidAppIdException):
        raise Refused("appid") from None
    except Exception as error:  # bad base64, padding, length, UTF-8
        raise Malformed(f"cannot decrypt: {error}") from None


def read_message(plain_xml: str) -> BaseMessage:
    try:
        message = parse_message(plain_xml)
    except Exception as error:
        raise Malformed(f"cannot parse message: {error}") from None
    if message is None or not message.source:
        raise Malformed("message without FromUserName")
    return message


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def cdata(value: str) -> str:
    """Content for a CDATA section: `]]>` split across two sections, invalid characters dropped."""
    return _XML_INVALID.sub("", value).replace("]]>", "]]]]><![CDATA[>")


def passive_text_reply(to_user: str, from_user: str, content: str, now: Optional[int] = None) -> str:
    return (
        "<xml>"
        f"<ToUserName><![CDATA[{cdata(to_user)}]]></ToUserName>"
        f"<FromUserName><![CDATA[{cdata(from_user)}]]></FromUserName>"
        f"<CreateTime>{int(now or time.time())}</CreateTime>"
        "<MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{cdata(content)}]]></Content>"
        "</xml>"
    )


def encrypt_reply(crypto: WeChatCrypto, xml: str, nonce: str, timestamp: Optional[str] = None) -> str:
    return crypto.encrypt_message(xml, nonce, timestamp or str(int(time.time())))
