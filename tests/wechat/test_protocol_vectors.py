"""The connector's crypto and signatures against the published vectors (shared/reference/WECHAT.md)."""

from unittest import mock

import pytest
from wechatpy import parse_message
from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import check_signature

from bot.channels.wechat import protocol
from bot.channels.wechat.channel import WeChatInput
from bot.channels.wechat.config import WeChatConfig

A43 = "A" * 43

V1_ENCRYPT = (
    "+qdx1OKCy+5JPCBFWw70tm0fJGb2Jmeia4FCB7kao+/Q5c/ohsOzQHi8khUOb05JCpj0JB4RvQMkUyus8TPxLKJGQ"
    "qcvZqzDpVzazhZv6JsXUnnR8XGT740XgXZUXQ7vJVnAG+tE8NUd4yFyjPy7GgiaviNrlCTj+l5kdfMuFUPpRSrfM"
    "ZuMcp3Fn2Pede2IuQrKEYwKSqFIZoNqJ4M8EajAsjLY2km32IIjdf8YL/P50F7mStwntrA2cPDrM1kb6mOcfBgRtW"
    "ygb3VIYnSeOBrebufAlr7F9mFUPAJGj04="
)
V1_PLAIN = (
    '{"ToUserName":"gh_97417a04a28d","FromUserName":"o9AgO5Kd5ggOC-bXrbNODIiE3bGY",'
    '"CreateTime":1714112445,"MsgType":"event","Event":"debug_demo","debug_str":"hello world"}'
)

V4C_BODY = (
    "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]>"
    "</FromUserName><CreateTime>1409735668</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[abcdteT]]>"
    "</Content><MsgId>6054768590064713728</MsgId><Encrypt><![CDATA[hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655H"
    "uD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWN"
    "lZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3"
    "yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJS"
    "gM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=]]></Encrypt></xml>"
)
V4C_PLAIN = (
    "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]>"
    "</FromUserName>\n<CreateTime>1409735668</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[abcdteT]]>"
    "</Content>\n<MsgId>6054768590064713728</MsgId>\n</xml>"
)
V4C_ARGS = {
    "timestamp": "1409735669",
    "nonce": "1320562132",
    "msg_signature": "5d197aaffba7e9b25a30732f161a50dee96bd5fa",
}


def test_v1_url_verification_signature():
    protocol.check_request_signature("AAAAA", "f464b24fc39322e44b38aa78f5edd27bd1441696", "1714036504", "1514711492")
    with pytest.raises(protocol.Refused):
        protocol.check_request_signature(
            "AAAAA", "f464b24fc39322e44b38aa78f5edd27bd1441697", "1714036504", "1514711492"
        )


def test_v1_url_verification_through_the_channel_echoes_echostr():
    channel = WeChatInput(WeChatConfig(token="AAAAA", appid="wxba5fad812f8e6fb9", secret="s"))
    answer = channel.verify_url(
        {
            "signature": "f464b24fc39322e44b38aa78f5edd27bd1441696",
            "echostr": "4375120948345356249",
            "timestamp": "1714036504",
            "nonce": "1514711492",
        },
        now=1714036504,
    )
    assert answer.status == 200 and answer.body == b"4375120948345356249"
    assert answer.content_type == "text/plain"
    forged = channel.verify_url(
        {"signature": "0" * 40, "echostr": "4375120948345356249", "timestamp": "1714036504", "nonce": "1514711492"},
        now=1714036504,
    )
    assert forged.status == 403 and b"4375120948345356249" not in forged.body


def test_v1_plaintext_post_signature():
    protocol.check_request_signature("AAAAA", "899cf89e464efb63f54ddac96b0a0a235f53aa78", "1714037059", "486452656")
    with pytest.raises(protocol.Refused):
        protocol.check_request_signature("AAAAB", "899cf89e464efb63f54ddac96b0a0a235f53aa78", "1714037059", "486452656")


def test_v1_safe_mode_decrypt():
    crypto = WeChatCrypto("AAAAA", A43, "wxba5fad812f8e6fb9")
    plain = protocol.decrypt_body(
        crypto, "AAAAA", {"Encrypt": V1_ENCRYPT}, "046e02f8204d34f8ba5fa3b1db94908f3df2e9b3", "1714112445", "415670741"
    )
    assert plain == V1_PLAIN
    with pytest.raises(protocol.Refused):  # the request `signature` is not the msg_signature
        protocol.decrypt_body(
            crypto,
            "AAAAA",
            {"Encrypt": V1_ENCRYPT},
            "6c5c811b55cc85e0e1b54100749188c20beb3f5d",
            "1714112445",
            "415670741",
        )
    with pytest.raises(protocol.Refused):  # another account's AppID
        protocol.decrypt_body(
            WeChatCrypto("AAAAA", A43, "wx0000000000000000"),
            "AAAAA",
            {"Encrypt": V1_ENCRYPT},
            "046e02f8204d34f8ba5fa3b1db94908f3df2e9b3",
            "1714112445",
            "415670741",
        )


def test_v1_encrypted_reply_with_fixed_random():
    crypto = WeChatCrypto("AAAAA", A43, "wxba5fad812f8e6fb9")
    with mock.patch.object(PrpCrypto, "get_random_string", return_value="707722b803182950"):
        xml = protocol.encrypt_reply(crypto, '{"demo_resp":"good luck"}', "415670741", "1713424427")
    assert (
        "<Encrypt><![CDATA[ELGduP2YcVatjqIS+eZbp80MNLoAUWvzzyJxgGzxZO/5sAvd070Bs6qrLARC9nVHm48Y4hyRbtzve1L32tmxSQ==]]>"
        in xml
    )
    assert "<MsgSignature><![CDATA[1b9339964ed2e271e7c7b6ff2b0ef902fc94dea1]]>" in xml


def test_v2_wechatpy_check_signature_and_ours_agree():
    check_signature("test", "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff", "1410685589", "test")
    protocol.check_request_signature("test", "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff", "1410685589", "test")
    with pytest.raises(InvalidSignatureException):
        check_signature("test", "f21891de399b4e33a1a93c9a7b8a8fffb5a443fe", "1410685589", "test")
    with pytest.raises(protocol.Refused):
        protocol.check_request_signature("test", "f21891de399b4e33a1a93c9a7b8a8fffb5a443fe", "1410685589", "test")


def test_v4c_compatible_mode_text_message():
    crypto = WeChatCrypto("spamtest", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx2c2769f8efd9abc2")
    outer = protocol.parse_xml(V4C_BODY.encode())
    plain = protocol.decrypt_body(
        crypto, "spamtest", outer, V4C_ARGS["msg_signature"], V4C_ARGS["timestamp"], V4C_ARGS["nonce"]
    )
    assert plain == V4C_PLAIN
    message = parse_message(plain)
    assert (message.type, message.content, message.id, message.source, message.target) == (
        "text",
        "abcdteT",
        6054768590064713728,
        "oyORnuP8q7ou2gfYjqLzSIWZf0rs",
        "gh_10f6c3c3ac5a",
    )


def test_v4c_through_the_channel_reads_the_decrypted_message():
    config = WeChatConfig(
        token="spamtest",
        appid="wx2c2769f8efd9abc2",
        secret="s",
        encoding_aes_key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    )
    channel = WeChatInput(config)
    signature = protocol.sha1_signature("spamtest", V4C_ARGS["timestamp"], V4C_ARGS["nonce"])
    then = int(V4C_ARGS["timestamp"])  # the vector's own time
    inbound = channel.read_push(dict(V4C_ARGS, signature=signature, encrypt_type="aes"), V4C_BODY.encode(), now=then)
    assert (inbound.kind, inbound.openid, inbound.text) == ("text", "oyORnuP8q7ou2gfYjqLzSIWZf0rs", "abcdteT")
    assert inbound.key == "msg:oyORnuP8q7ou2gfYjqLzSIWZf0rs:6054768590064713728"
    with pytest.raises(protocol.Refused):
        channel.read_push(
            dict(
                V4C_ARGS,
                signature=signature,
                encrypt_type="aes",
                msg_signature="5d197aaffba7e9b25a30732f161a50dee96bd5fb",
            ),
            V4C_BODY.encode(),
            now=then,
        )
    # today, a 2014 timestamp is a replay
    with pytest.raises(protocol.Refused):
        channel.read_push(dict(V4C_ARGS, signature=signature, encrypt_type="aes"), V4C_BODY.encode())
    # and the same signed query without encrypt_type=aes is a downgrade
    with pytest.raises(protocol.Refused):
        channel.read_push(dict(V4C_ARGS, signature=signature), V4C_BODY.encode(), now=then)


def test_cdata_escapes_the_terminator():
    xml = protocol.passive_text_reply("oUser", "gh_x", "a]]>b<c>&\x01d", now=1)
    assert "<Content><![CDATA[a]]]]><![CDATA[>b<c>&d]]></Content>" in xml
    import xmltodict

    assert xmltodict.parse(xml)["xml"]["Content"] == "a]]>b<c>&d"
