"""WeChat's message-push protocol: signatures, safe-mode crypto, parsing, passive replies.

Signatures are computed like wechatpy's `check_signature` (sha1 of the sorted
parts) but compared in constant time; AES and the message classes are wechatpy's.
XML is read by expat with every DTD refused (no entity can be declared, so none
can expand), after a size check.
"""

from __future__ import annotations

import hmac
import re
import time
from typing import Any, Optional
from xml.parsers import expat

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


class TooLarge(Malformed):
    """A body far larger than any WeChat push (HTTP 413)."""


ENCRYPT_TYPE_AES = "aes"
ENCRYPT_TYPE_RAW = "raw"


def is_encrypted(encrypt_type: Optional[str]) -> bool:
    """Whether a push says it is encrypted (`encrypt_type=aes`: safe or compatible mode).
    Absent or `raw` is plaintext; anything else is not WeChat's."""
    value = (encrypt_type or ENCRYPT_TYPE_RAW).strip().lower()
    if value not in (ENCRYPT_TYPE_AES, ENCRYPT_TYPE_RAW):
        raise Malformed("unknown encrypt_type")
    return value == ENCRYPT_TYPE_AES


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


MAX_TIMESTAMP_DIGITS = 12


def check_timestamp(timestamp: Any, max_skew_s: float, now: Optional[float] = None, what: str = "timestamp") -> None:
    """Refuses a time (seconds since the epoch) further than `max_skew_s` from `now`, either way."""
    text = str(timestamp).strip()
    # WeChat sends ten digits; a longer number is not a time (and overflows float arithmetic)
    if not (text.isascii() and text.isdigit() and len(text) <= MAX_TIMESTAMP_DIGITS):
        raise Refused(what)
    sent = int(text)
    if abs((time.time() if now is None else now) - sent) > max_skew_s:
        raise Refused(f"{what} outside the replay window")


class _NoDtdExpat:
    """The expat module as xmltodict uses it, except that a DTD stops the parse:
    no entity can be declared, so none can expand (billion laughs, external files)."""

    @staticmethod
    def ParserCreate(*args: Any, **kwargs: Any) -> Any:  # noqa: N802 (expat's name)
        parser = expat.ParserCreate(*args, **kwargs)
        parser.StartDoctypeDeclHandler = _refuse_dtd
        parser.EntityDeclHandler = _refuse_dtd
        return parser


def _refuse_dtd(*_: Any) -> None:
    raise Malformed("XML with a DTD or entity declaration")


def parse_xml(body: bytes | str) -> dict:
    """The children of the root `<xml>` element; raises TooLarge or Malformed."""
    data = body.encode("utf-8", errors="replace") if isinstance(body, str) else body
    if len(data) > MAX_BODY_BYTES:
        raise TooLarge("body too large")
    try:
        document = xmltodict.parse(data, expat=_NoDtdExpat, disable_entities=True)
        root = document["xml"]
    except Malformed:
        raise
    except Exception as error:  # expat errors, missing root
        raise Malformed(f"not WeChat XML: {type(error).__name__}") from None
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
    parse_xml(plain_xml)  # size and DTD checks before wechatpy reads it
    try:
        message = parse_message(plain_xml)
    except Exception as error:
        raise Malformed(f"cannot parse message: {type(error).__name__}") from None
    if message is None or not message.source:
        raise Malformed("message without FromUserName")
    return message


def check_create_time(message: BaseMessage, max_skew_s: float, now: Optional[float] = None) -> None:
    """The message's own CreateTime (inside the encryption in safe mode) must be recent too."""
    created = message._data.get("CreateTime")
    if created is not None:
        check_timestamp(created, max_skew_s, now, what="CreateTime")


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
