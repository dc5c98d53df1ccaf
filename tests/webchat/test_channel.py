"""The web chat channel's pieces without a server: the history it sends, what its
output channel emits, its options (sessions: test_session.py)."""

from __future__ import annotations

import asyncio

from rasa.shared.core.events import BotUttered, UserUttered

from bot.channels.webchat import WebChatInput, WebChatOutput, transcript


class RecordingServer:
    """Stands in for socketio.AsyncServer.emit only: records what would be sent."""

    def __init__(self):
        self.sent = []

    async def emit(self, event, data=None, room=None, **kwargs):
        self.sent.append((event, data, room))


def as_dicts(*events):
    return [event.as_dict() for event in events]


def test_history_shows_what_the_customer_saw():
    events = as_dicts(
        UserUttered("你好", input_channel="socketio"),
        BotUttered("您好，请问有什么可以帮您？"),
        UserUttered("我的订单到哪了", input_channel="socketio"),
        BotUttered(
            "请问是哪一笔订单？",
            data={
                "buttons": [
                    {"title": "20261101000001｜无线耳机｜已发货", "payload": '/inform{"order_id":"20261101000001"}'},
                    {"title": "20261101000003｜T恤｜待发货", "payload": '/inform{"order_id":"20261101000003"}'},
                ]
            },
        ),
        UserUttered('/inform{"order_id":"20261101000001"}', input_channel="socketio"),
        BotUttered("订单 20261101000001 已发货。\n\n最新物流：北京"),
        UserUttered("EXTERNAL: remind_me"),
        BotUttered(None, data={"custom": {"text": "您好，我是小王", "sender": "agent", "agent_name": "小王"}}),
        BotUttered("稍等，我看一下", metadata={"sender": "agent", "agent_name": "小李"}),
        BotUttered(None, data={"custom": {"payload": "no text: not shown"}}),
    )
    history = transcript(events)
    assert [(m["from"], m["text"]) for m in history] == [
        ("user", "你好"),
        ("bot", "您好，请问有什么可以帮您？"),
        ("user", "我的订单到哪了"),
        ("bot", "请问是哪一笔订单？"),
        ("user", "20261101000001｜无线耳机｜已发货"),  # the button's title, not its payload
        ("bot", "订单 20261101000001 已发货。"),
        ("bot", "最新物流：北京"),
        ("agent", "您好，我是小王"),
        ("agent", "稍等，我看一下"),
    ]
    assert [r["title"] for r in history[3]["quick_replies"]] == [
        "20261101000001｜无线耳机｜已发货",
        "20261101000003｜T恤｜待发货",
    ]
    assert history[7]["agent_name"] == "小王" and history[8]["agent_name"] == "小李"
    assert "quick_replies" not in history[1]
    assert len(transcript(events, limit=3)) == 3 and transcript(events, limit=3)[-1]["text"] == "稍等，我看一下"


def test_a_payload_typed_by_hand_is_shown_as_typed():
    events = as_dicts(BotUttered("好的"), UserUttered("/restart"))
    assert transcript(events)[-1] == {"from": "user", "text": "/restart", "timestamp": events[-1]["timestamp"]}


def test_output_marks_agent_messages_and_keeps_to_the_conversation():
    server = RecordingServer()
    output = WebChatOutput(server, "bot_uttered")

    async def send():
        await output.send_response(
            "session-a",
            {
                "text": None,
                "custom": {"text": "您好，我是小王", "sender": "agent", "agent_name": "小王", "room": "someone-else"},
            },
        )
        await output.send_response("session-a", {"text": "稍等\n\n马上好", "sender": "agent", "agent_name": "小李"})
        await output.send_response("session-a", {"text": "普通回复", "utter_action": "utter_greet"})
        await output.send_custom_json("session-a", {"data": {"text": "Rasa 的 data 写法"}})

    asyncio.run(send())
    assert server.sent == [
        ("bot_uttered", {"text": "您好，我是小王", "sender": "agent", "agent_name": "小王"}, "session-a"),
        ("bot_uttered", {"text": "稍等", "sender": "agent", "agent_name": "小李"}, "session-a"),
        ("bot_uttered", {"text": "马上好", "sender": "agent", "agent_name": "小李"}, "session-a"),
        ("bot_uttered", {"text": "普通回复"}, "session-a"),
        ("bot_uttered", {"text": "Rasa 的 data 写法"}, "session-a"),
    ]


def test_channel_keeps_rasas_name_and_options():
    channel = WebChatInput.from_credentials({"session_persistence": True, "bot_message_evt": "bot_uttered"})
    assert channel.name() == "socketio" and channel.session_persistence
    assert channel.transports == ["polling"]
    assert WebChatInput.from_credentials({"transports": ["polling", "websocket"]}).transports == [
        "polling",
        "websocket",
    ]
