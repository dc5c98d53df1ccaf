"""Customer text is masked when it enters the service (privacy.mask_text); agents' words are not."""

from __future__ import annotations

import json

from sqlalchemy import select

from handoff.models import Handoff, Message
from privacy import mask_text
from servicekit.db import session_for

from .support import SERVICE, package

PHONE = "13800138000"
MASKED = mask_text(PHONE)


def _stored_texts(env, sender_id):
    with session_for(env.settings.database_url) as db:
        handoff = db.scalars(select(Handoff).where(Handoff.sender_id == sender_id)).one()
        texts = list(db.scalars(select(Message.text).where(Message.handoff_id == handoff.id)))
        return handoff, texts


def test_a_relayed_message_is_stored_and_shown_masked(env):
    opened = env.open(sender_id="web-mask")
    wang = env.login("wang")
    wang.post(f"/api/handoffs/{opened['id']}/accept")
    assert env.event("web-mask", text=f"我的手机号是 {PHONE}，快点处理").json() == {"stored": True}
    _, texts = _stored_texts(env, "web-mask")
    assert f"我的手机号是 {MASKED}，快点处理" in texts and not any(PHONE in t for t in texts)
    shown = wang.get(f"/api/handoffs/{opened['id']}").text
    assert PHONE not in shown and MASKED in shown


def test_the_package_is_masked_throughout(env):
    body = package(
        "web-pkg",
        summary=f"客户 {PHONE} 要改地址",
        transcript=[{"role": "customer", "text": f"手机 {PHONE}"}],
        slots={"new_address": f"上海市浦东新区世纪大道 100 号 {PHONE}", "invoice_email": "zhang.wei@example.com"},
        orders=[{"order_id": "20261101000001", "contact": {"phone": PHONE}}],
        trigger={"text": PHONE},
    )
    assert env.client.post("/api/handoffs", json=body, headers=SERVICE).status_code == 201
    handoff, texts = _stored_texts(env, "web-pkg")
    stored = repr((handoff.summary, handoff.package, handoff.trigger, handoff.customer, texts))
    assert PHONE not in stored
    assert handoff.package["slots"]["new_address"] == mask_text(body["slots"]["new_address"])
    assert handoff.package["slots"]["invoice_email"] == mask_text("zhang.wei@example.com")
    assert handoff.package["orders"][0]["order_id"] == "20261101000001"  # an order number is no phone


def test_an_agents_reply_is_stored_as_written(env):
    opened = env.open(sender_id="web-agent")
    wang = env.login("wang")
    wang.post(f"/api/handoffs/{opened['id']}/accept")
    reply = f"请拨打客服热线 {PHONE} 咨询"  # the agent's own words
    assert wang.post(f"/api/handoffs/{opened['id']}/messages", json={"text": reply}).json()["text"] == reply
    assert reply in _stored_texts(env, "web-agent")[1]


def test_text_no_database_can_store_is_kept_readable(env):
    env.open(sender_id="web-odd")
    body = json.dumps({"sender_id": "web-odd", "event": "user", "text": "坏字符\ud800和\x00空字符"})  # \ud800 escaped
    headers = {**SERVICE, "Content-Type": "application/json"}
    assert env.client.post("/api/rasa-events", content=body, headers=headers).json() == {"stored": True}
    assert "坏字符\ufffd和空字符" in _stored_texts(env, "web-odd")[1]
    assert env.event("web-odd", event="bot", data={"custom": {"text": 42}}).json() == {"stored": False}
