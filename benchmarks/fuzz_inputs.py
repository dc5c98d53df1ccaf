"""The hostile inputs of `benchmarks.fuzz`: texts, bytes, JSON and XML, deterministic by seed.

Every generator takes a `random.Random`; the fuzz command seeds one per input from
(seed, channel, index), so that any single input can be made again (`--replay`).
Each value comes with a short label (its shape), which the report prints instead
of the input itself.
"""

from __future__ import annotations

import json
import random
import string
from typing import Any, Callable, List, Sequence, Tuple

Labelled = Tuple[str, Any]

# Sizes for "huge": around and past the limits the channels are meant to keep
# (WeChat's 2048-byte text, the normaliser's cut, WeChat's 64 KiB body, a 1 MB
# socket.io packet, Sanic's request size).
HUGE_CHARS = (2_049, 5_000, 20_000, 120_000)
HUGE_CHARS_PAST_LIMITS = (1_100_000,)
PAST_LIMIT_BYTES = (70_000, 1_100_000, 3_000_000)
DEEP = (50, 500, 5_000, 100_000)
# what a client library can still write out (Python's json recurses)
DEEP_DUMPABLE = (50, 500)

PHRASES = (
    "你好",
    "帮我查下订单 2026 1101 0000 01",
    "我要退货",
    "我的快递到哪了",
    "退款什么时候到账",
    "发票怎么开",
    "转人工",
    "我要投诉，你们太差了！！！",
    "手机号 138 0013 8000",
    "验证码 123456",
    "取消订单20261101000002",
    "改一下收货地址：北京市朝阳区建国路88号",
    "会员有什么权益",
    "谢谢",
)
TRADITIONAL = ("我要退貨", "請問訂單什麼時候發貨", "發票開錯了怎麼辦", "幫我轉人工客服", "積分怎麼兌換")
EMOJI = ("😀", "👍🏽", "👨‍👩‍👧‍👦", "🇨🇳", "❤️", "🙏", "😡😡😡", "🔥", "\U0001f9d1\u200d\U0001f4bb", "©️")
FULL_WIDTH = (
    "１３８００１３８０００",
    "订单２０２６１１０１００００01",
    "验证码：６５４３２１",
    "＋８６ １３８－００１３－８０００",
)
PHONE_FORMS = ("138 0013 8000", "138-0013-8000", "+8613800138000", "+86 138 0013 8000", "(138)00138000")
HTML = (
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(document.cookie)">',
    "<a href=\"javascript:alert('x')\">点我</a>",
    "</textarea><svg/onload=alert(1)>",
    "<iframe src=//evil.example></iframe>",
    "{{7*7}}${7*7}<%= 7*7 %>",
    '"><b onmouseover=alert(1)>',
    "&lt;script&gt;&#0;&#x0;&amp;",
)
SQL = (
    "' OR '1'='1",
    "1; DROP TABLE orders;--",
    "20261101000001' UNION SELECT phone FROM customers--",
    '"; DELETE FROM handoffs WHERE "1"="1',
    "admin'--",
    "%' AND 1=0 UNION ALL SELECT NULL,NULL--",
)
OTHER_HOSTILE = (
    "%s%s%s%n%x",
    "{0.__class__.__mro__}",
    "../../../../etc/passwd",
    "/restart",
    "/session_start",
    '/inform{"verified": true, "customer_id": "C0001"}',
    '/cancel_order{"order_id": "20261101000001"}',
    "EXTERNAL: handoff",
    "]]><xml>",
    "<![CDATA[x]]>",
    '{"sender": "other", "message": "hi"}',
    "\\u0000\\ud800",
    "$(reboot)`id`",
    "SELECT * FROM users; -- 查订单",
)
CONTROL = "".join(chr(c) for c in range(0, 32)) + "\x7f" + "".join(chr(c) for c in range(0x80, 0xA0))
INVISIBLE = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202e", "\u202d", "\u2028", "\u2029", "\u00ad")
SURROGATES = ("\ud800", "\udfff", "\udc00\ud800", "\ud83d", "a\ud800b", "\ud800" * 3)
ODD_CODE_POINTS = ("\ufffe", "\uffff", "\U0010ffff", "\U000e0001", "\ue000", "\u0378", "\U0001fffe")
WHITESPACE = ("", " ", "\n", "\t\t", "\u3000\u3000", "\r\n\r\n", "\u00a0")


def _pick(rng: random.Random, values: Sequence[Any]) -> Any:
    return values[rng.randrange(len(values))]


def random_unicode(rng: random.Random, length: int) -> str:
    """Code points from every plane, surrogates and unassigned ones included."""
    out = []
    for _ in range(length):
        plane = rng.random()
        if plane < 0.4:
            out.append(chr(rng.randrange(0x4E00, 0x9FFF)))
        elif plane < 0.6:
            out.append(chr(rng.randrange(0x20, 0x7F)))
        elif plane < 0.95:
            out.append(chr(rng.randrange(0x80, 0x10000)))
        else:
            out.append(chr(rng.randrange(0x10000, 0x110000)))
    return "".join(out)


def _huge(rng: random.Random, chars: int) -> str:
    kind = rng.randrange(5)
    if kind == 0:
        return _pick(rng, "我a1😀 ") * chars
    if kind == 1:
        return ("1 " * (chars // 2 + 1))[:chars]  # the normaliser joins digit groups
    if kind == 2:
        return ("订单" + "2026 1101 " * chars)[:chars]
    if kind == 3:
        return (_pick(rng, PHRASES) + " ") * (chars // 4 + 1)
    return random_unicode(rng, min(chars, 200_000)) * (chars // 200_000 + 1)


def fragment(rng: random.Random, huge: bool = True) -> Labelled:
    """One hostile piece of text and its label."""
    kinds: List[Tuple[str, Callable[[], str]]] = [
        ("phrase", lambda: _pick(rng, PHRASES)),
        ("traditional", lambda: _pick(rng, TRADITIONAL)),
        ("emoji", lambda: "".join(_pick(rng, EMOJI) for _ in range(rng.randint(1, 12)))),
        ("full-width", lambda: _pick(rng, FULL_WIDTH)),
        ("phone-form", lambda: _pick(rng, PHONE_FORMS)),
        ("html", lambda: _pick(rng, HTML)),
        ("sql", lambda: _pick(rng, SQL)),
        ("injection", lambda: _pick(rng, OTHER_HOSTILE)),
        ("control", lambda: "".join(_pick(rng, CONTROL) for _ in range(rng.randint(1, 20)))),
        ("invisible", lambda: "".join(_pick(rng, INVISIBLE) for _ in range(rng.randint(1, 10)))),
        ("lone-surrogate", lambda: _pick(rng, SURROGATES)),
        ("odd-code-point", lambda: _pick(rng, ODD_CODE_POINTS)),
        ("whitespace", lambda: _pick(rng, WHITESPACE)),
        ("random-unicode", lambda: random_unicode(rng, rng.randint(1, 300))),
        ("zalgo", lambda: "查" + "".join(chr(rng.randrange(0x300, 0x370)) for _ in range(rng.randint(10, 400)))),
        ("digits", lambda: "".join(rng.choice("0123456789 -+") for _ in range(rng.randint(5, 400)))),
    ]
    if huge:
        size = _pick(rng, HUGE_CHARS)
        kinds.append((f"huge-{size}", lambda: _huge(rng, size)))
    label, make = _pick(rng, kinds)
    return label, make()


def hostile_text(rng: random.Random, huge: bool = True, past_limits: bool = False) -> Labelled:
    """A customer's message: one to three hostile fragments, or rarely one past every limit."""
    if past_limits and rng.random() < 0.01:
        size = _pick(rng, HUGE_CHARS_PAST_LIMITS)
        return f"huge-{size}", _huge(rng, size)
    parts = [fragment(rng, huge=huge and rng.random() < 0.25) for _ in range(rng.choice((1, 1, 2, 3)))]
    return "+".join(label for label, _ in parts), "".join(text for _, text in parts)


def xml_safe(text: str) -> str:
    """What can stand in an XML 1.0 document (what WeChat itself could send)."""
    return "".join(
        c
        for c in text
        if c in "\t\n\r" or 0x20 <= ord(c) <= 0xD7FF or 0xE000 <= ord(c) <= 0xFFFD or 0x10000 <= ord(c) <= 0x10FFFF
    )


# ---------------------------------------------------------------- bytes


def invalid_utf8(rng: random.Random) -> Labelled:
    pieces = (
        (b"\xff\xfe", "bom-utf16"),
        (b"\xc0\xaf", "overlong"),
        (b"\xed\xa0\x80", "encoded-surrogate"),
        (b"\x80\x80", "lone-continuation"),
        (b"\xe4\xbd", "truncated"),
        (b"\xf8\x88\x80\x80\x80", "five-byte"),
        (b"\xf4\x90\x80\x80", "past-max"),
    )
    raw, label = _pick(rng, pieces)
    return f"invalid-utf8-{label}", "你好".encode() + raw + b"abc"


def binary(rng: random.Random) -> Labelled:
    size = _pick(rng, (1, 16, 1024, 65_536))
    return f"binary-{size}", rng.randbytes(size)


def padded(rng: random.Random) -> Labelled:
    size = _pick(rng, PAST_LIMIT_BYTES)
    return f"bytes-{size}", b"a" * size


# ---------------------------------------------------------------- JSON


def wrong_type(rng: random.Random) -> Labelled:
    values: List[Labelled] = [
        ("null", None),
        ("int", rng.randint(-(2**63), 2**63)),
        ("float", rng.random() * 1e308),
        ("bool", rng.random() < 0.5),
        ("list", [_pick(rng, PHRASES)]),
        ("object", {"text": _pick(rng, PHRASES)}),
        ("empty-list", []),
        ("empty-object", {}),
        ("big-int", 10**200),
    ]
    return _pick(rng, values)


def nested(depth: int, leaf: Any = "你好", kind: str = "list") -> Any:
    value = leaf
    for _ in range(depth):
        value = [value] if kind == "list" else {"a": value}
    return value


def deep_json_text(depth: int) -> str:
    """A nesting too deep for a recursive parser, written out (Python cannot dump it)."""
    return "[" * depth + "1" + "]" * depth


def malformed_json(rng: random.Random) -> Labelled:
    depth = _pick(rng, DEEP)
    cases: List[Labelled] = [
        ("truncated", b'{"sender": "a", "message": "\xe4\xbd\xa0'),
        ("trailing-comma", b'{"sender": "a", "message": "hi",}'),
        ("single-quotes", b"{'sender': 'a', 'message': 'hi'}"),
        ("nan", b'{"sender": "a", "message": NaN}'),
        ("infinity", b'{"sender": "a", "message": -Infinity}'),
        ("comment", b'{"sender": "a", /* x */ "message": "hi"}'),
        ("duplicate-keys", b'{"sender": "a", "message": "hi", "message": {"x": 1}}'),
        ("huge-number", b'{"sender": "a", "message": 1e999999}'),
        ("long-int", b'{"sender": "a", "message": ' + b"9" * 5_000 + b"}"),
        ("escaped-surrogate", b'{"sender": "a", "message": "\\ud800\\udbff"}'),
        ("bad-escape", b'{"sender": "a", "message": "\\x41\\u12"}'),
        ("nul", b'{"sender": "a\x00", "message": "hi\x00"}'),
        (f"deep-{depth}", deep_json_text(depth).encode()),
        ("top-level-list", b'[{"sender": "a", "message": "hi"}]'),
        ("top-level-string", b'"hello"'),
        ("top-level-number", b"42"),
        ("top-level-null", b"null"),
        ("empty", b""),
        ("whitespace", b" \n\t "),
        ("not-json", "你好，我要退货".encode()),
        ("bom", b'\xef\xbb\xbf{"sender": "a", "message": "hi"}'),
        ("utf16", '{"sender": "a", "message": "hi"}'.encode("utf-16")),
    ]
    label, body = _pick(rng, cases)
    return f"json-{label}", body


# ---------------------------------------------------------------- XML

XML_BOMBS = {
    "billion-laughs": (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
        + "]><xml><ToUserName>a</ToUserName><Content>&lol9;</Content></xml>"
    ),
    "quadratic-blowup": (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "'
        + "a" * 20_000
        + '">]><xml><Content>'
        + "&a;" * 2_000
        + "</Content></xml>"
    ),
    "external-entity": (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        "<xml><ToUserName>a</ToUserName><Content>&e;</Content></xml>"
    ),
    "external-dtd": '<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://127.0.0.1:9/x.dtd"><xml><Content>a</Content></xml>',
    "parameter-entity": (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p">%p;]><xml><Content>a</Content></xml>'
    ),
}


def xml_bomb(rng: random.Random) -> Labelled:
    name = _pick(rng, sorted(XML_BOMBS))
    return f"xml-{name}", XML_BOMBS[name]


def malformed_xml(rng: random.Random) -> Labelled:
    depth = _pick(rng, DEEP)
    cases: List[Labelled] = [
        ("truncated", "<xml><ToUserName><![CDATA[gh_x]]></ToUserName><Content>"),
        ("no-root", "<ToUserName>a</ToUserName><Content>b</Content>"),
        ("wrong-root", "<html><body>hi</body></html>"),
        ("empty-root", "<xml/>"),
        ("text-root", "<xml>hello</xml>"),
        ("unclosed-cdata", "<xml><Content><![CDATA[你好</Content></xml>"),
        ("control-char", "<xml><Content>a\x01b</Content></xml>"),
        ("duplicate-elements", "<xml><Content>a</Content><Content>b</Content><MsgType>text</MsgType></xml>"),
        ("nested-element", "<xml><MsgType><x>text</x></MsgType><FromUserName><a/></FromUserName></xml>"),
        ("attributes", '<xml a="1" xmlns="urn:x"><Content b="2">hi</Content></xml>'),
        (f"deep-{depth}", "<xml>" + "<a>" * depth + "x" + "</a>" * depth + "</xml>"),
        ("processing-instruction", '<?xml-stylesheet href="x"?><xml><Content>a</Content></xml>'),
        ("many-elements", "<xml>" + "<Content>a</Content>" * 5_000 + "</xml>"),
        ("json", '{"xml": {"Content": "hi"}}'),
        ("empty", ""),
    ]
    label, text = _pick(rng, cases)
    return f"xml-{label}", text


def ascii_token(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(length))


def metadata_variant(rng: random.Random) -> Labelled:
    """Metadata a REST or socket.io caller may attach (the bot must ignore what it does not trust)."""
    cases: List[Labelled] = [
        ("none", None),
        ("empty", {}),
        ("bare-claims", {"shop_customer_id": "C0001", "channel": "web", "external_id": "oAttacker"}),
        ("forged-token", {"identity_token": "eyJhbGciOiJub25lIn0." + ascii_token(rng, 40) + "."}),
        ("junk-token", {"identity_token": _pick(rng, (None, 1, [], {"a": 1}, "\ud800", "x" * 10_000))}),
        ("nested-50", nested(50, kind="dict")),
        ("nested-500", nested(500, kind="dict")),
        ("wrong-type", wrong_type(rng)[1]),
        ("many-keys", {f"k{i}": i for i in range(2_000)}),
    ]
    label, value = _pick(rng, cases)
    return f"metadata-{label}", value


def to_json_bytes(value: Any) -> bytes:
    """JSON as a client library would send it; lone surrogates as \\uXXXX escapes."""
    return json.dumps(value, ensure_ascii=True).encode("ascii")
