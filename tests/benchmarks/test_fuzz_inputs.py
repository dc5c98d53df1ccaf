"""The hostile-input command's generators: deterministic, covering every shape it promises,
and well-formed where a customer message must be (no servers)."""

from __future__ import annotations

import random
import xml.etree.ElementTree as ElementTree
from collections import Counter

import pytest

from benchmarks import fuzz, fuzz_channels, fuzz_stack
from benchmarks import fuzz_inputs as gen

SAMPLE = 1_000


def cases(channel: str, seed: int = 1, count: int = SAMPLE):
    return [fuzz_channels.MAKERS[channel](fuzz.rng_for(seed, channel, index)) for index in range(count)]


@pytest.mark.parametrize("channel", fuzz.CHANNELS)
def test_an_input_is_made_again_from_seed_channel_and_index(channel):
    again = [repr(fuzz_channels.MAKERS[channel](fuzz.rng_for(7, channel, index))) for index in (0, 41, 977)]
    assert again == [repr(fuzz_channels.MAKERS[channel](fuzz.rng_for(7, channel, index))) for index in (0, 41, 977)]
    assert again != [repr(fuzz_channels.MAKERS[channel](fuzz.rng_for(8, channel, index))) for index in (0, 41, 977)]


def test_texts_cover_every_hostile_kind_the_command_promises():
    rng = random.Random(3)
    labels = Counter(label for _ in range(3_000) for label in gen.hostile_text(rng, past_limits=True)[0].split("+"))
    kinds = {label.split("-")[0] if label.startswith("huge") else label for label in labels}
    for kind in (
        "huge",
        "control",
        "lone-surrogate",
        "html",
        "sql",
        "traditional",
        "emoji",
        "full-width",
        "whitespace",
        "phone-form",
        "injection",
    ):
        assert kind in kinds, kind
    assert any(label == f"huge-{gen.HUGE_CHARS_PAST_LIMITS[0]}" for label in labels)


def test_rest_sends_well_formed_messages_and_broken_bodies_both():
    shapes = Counter(case["shape"].split(":")[0] for case in cases("rest"))
    assert set(shapes) == {"message", "field", "body", "request"}
    assert 0.4 < shapes["message"] / SAMPLE < 0.6
    bodies = {case["shape"] for case in cases("rest") if case["shape"].startswith("body:")}
    for prefix in ("body:json-deep-", "body:json-escaped-surrogate", "body:json-top-level-list", "body:invalid-utf8"):
        assert any(shape.startswith(prefix) for shape in bodies), prefix


def test_wechat_customer_messages_are_valid_xml_that_fits_a_push():
    rng = random.Random(5)
    for case in cases("wechat"):
        if case.get("customer"):
            xml = fuzz_channels._wechat_message_xml(rng, "gh_x", case["openid"], case["xml_kind"], case["content"])
            ElementTree.fromstring(xml.encode("utf-8"))  # parses: only the words are hostile
            assert len(xml.encode("utf-8")) * 4 // 3 < 64 * 1024
    shapes = {
        case["shape"].split(":")[0] + ":" + case["shape"].split(":")[1].split("/")[0]
        for case in cases("wechat")
        if case["shape"].startswith(("outer:", "inner:"))
    }
    assert {"outer:xml-billion-laughs", "inner:xml-billion-laughs", "inner:xml-external-entity"} <= shapes


def test_socketio_and_handoff_cover_their_protocols():
    socket_kinds = Counter(case["kind"] for case in cases("socketio"))
    assert set(socket_kinds) == {"message", "event", "raw"}
    handoff_kinds = Counter(case["kind"] for case in cases("handoff"))
    assert set(handoff_kinds) == {"reply", "note", "login", "service", "agent", "raw", "auth"}


def test_the_report_shows_a_masked_and_short_preview():
    shown = fuzz_stack.preview("我的手机号是13800138000，验证码 123456" + "x" * 500)
    assert "13800138000" not in shown and "123456" not in shown
    assert len(shown) < 120
    assert fuzz_stack.preview(b"\xff\xfe\x00") and fuzz_stack.preview("\ud800")
