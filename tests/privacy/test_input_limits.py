"""Huge and unencodable customer text, in process: the address parser and the relay to the
handoff service read only what they may, and survive lone surrogates.

(The normaliser's own limits: tests/bot/test_text_normalization.py; the real Rasa server:
tests/security/test_input_limits.py.)
"""

from __future__ import annotations

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List

import pytest

from actions import address_parser
from actions.address_parser import MAX_ADDRESS_CHARS, missing_parts, parse_address
from bot.brokers.handoff_relay import RELAYED_TEXT_CHARS, HandoffRelayBroker
from bot.brokers.relay_settings import RelaySettings


def test_the_address_parser_reads_only_the_start_of_a_huge_message(monkeypatch):
    seen: List[int] = []
    nlp = address_parser._nlp()

    def spying_nlp():
        def run(text: str):
            seen.append(len(text))
            return nlp(text)

        return run

    monkeypatch.setattr(address_parser, "_nlp", spying_nlp)
    fields = parse_address("北京市朝阳区建国路88号" + "啊" * 120_000)
    assert fields["province"] == "北京市" and fields["detail"].startswith("朝阳区建国路88号")
    assert seen and max(seen) <= MAX_ADDRESS_CHARS
    assert len(fields["detail"]) <= MAX_ADDRESS_CHARS


@pytest.mark.parametrize("text", ["\ud800", "北京市朝阳区建国路88号\udfff", "\x00\x01" * 1000, "😀" * 500])
def test_the_address_parser_survives_hostile_text(text):
    fields = parse_address(text)
    json.dumps(fields).encode("utf-8")
    assert isinstance(missing_parts(fields), list)


class _Capture(BaseHTTPRequestHandler):
    bodies: List[Dict[str, Any]] = []

    def do_POST(self):  # noqa: N802  (http.server's name)
        length = int(self.headers["Content-Length"])
        body = self.rfile.read(length)
        body.decode("utf-8")  # strict: what crosses is valid UTF-8
        type(self).bodies.append(json.loads(body))
        self.send_response(202)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture()
def handoff_capture():
    _Capture.bodies = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Capture)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Capture.bodies
    server.shutdown()


def test_the_relay_sends_only_masked_cut_text_and_survives_surrogates(handoff_capture, tmp_path):
    url, bodies = handoff_capture
    events = [
        {
            "event": "user",
            "sender_id": "s1",
            "timestamp": 1.0,
            "message_id": "m1",
            "text": "我的手机 138 0013 8000，验证码 482913，寄到北京市朝阳区建国路88号\ud800",
            "parse_data": {
                "text": "我的手机13800138000",
                "intent": {"name": "inform", "confidence": 0.9},
                "entities": [{"entity": "phone", "value": "13800138000"}],
                "sentiment": {"label": "neutral", "score": 0.1},
            },
            "metadata": {"identity_token": "eyJhbGciOiJIUzI1NiJ9.eyJjaGFubmVsIjoid2ViIn0.c2ln"},
        },
        {"event": "user", "sender_id": "s1", "text": "好" * 120_000 + "13800138000"},
        {"event": "user", "sender_id": "s1", "text": "\udfff\ud800"},
    ]

    async def run():
        broker = HandoffRelayBroker(RelaySettings(url=url, service_key="key", outbox_path=tmp_path / "outbox.db"))
        for event in events:
            broker.publish(event)
        for _ in range(200):
            if len(bodies) == len(events):
                break
            await asyncio.sleep(0.05)
        await broker.close()

    asyncio.run(run())
    assert len(bodies) == 3, "every message crossed, the surrogates too"
    first, huge, broken = bodies
    assert first["text"] == "我的手机 138****8000，验证码 ******，寄到北京市朝阳区****\ufffd"
    assert first["parse_data"] == {
        "intent": {"name": "inform", "confidence": 0.9},
        "sentiment": {"label": "neutral", "score": 0.1},
    }
    assert "metadata" not in first and "13800138000" not in json.dumps(first)
    assert (first["sender_id"], first["message_id"], first["timestamp"]) == ("s1", "m1", 1.0)
    assert len(huge["text"]) == RELAYED_TEXT_CHARS
    assert broken["text"] == "\ufffd\ufffd"
