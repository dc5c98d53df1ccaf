"""The open's request_id: stored with the handoff and named in every answer, so that the
action server tells a retry of its own request (its answer was lost) from a conversation
that was already waiting."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from handoff.models import Handoff, TicketMessage

from .support import SERVICE, SHANGHAI, package


def _post(env, **overrides):
    return env.client.post("/api/handoffs", json=package(**overrides), headers=SERVICE)


def test_a_retry_gets_its_own_request_id_and_another_request_the_first_one(env):
    first = _post(env, sender_id="web-req", request_id="m:first")
    assert first.status_code == 201 and first.json()["request_id"] == "m:first"
    retry = _post(env, sender_id="web-req", request_id="m:first")
    assert retry.status_code == 200
    assert retry.json()["id"] == first.json()["id"] and retry.json()["request_id"] == "m:first"
    assert retry.json()["queue_message"] == first.json()["queue_message"]
    other = _post(env, sender_id="web-req", request_id="m:second")
    assert other.status_code == 200
    assert other.json()["id"] == first.json()["id"] and other.json()["request_id"] == "m:first"
    with env.app.state.sessionmaker() as db:
        assert db.scalars(select(Handoff.request_id).where(Handoff.sender_id == "web-req")).all() == ["m:first"]


def test_an_open_without_a_request_id_answers_none(env):
    answer = env.open(sender_id="web-no-req")
    assert answer["request_id"] is None
    again = _post(env, sender_id="web-no-req", request_id="m:later")
    assert again.status_code == 200 and again.json()["request_id"] is None


def test_a_retried_ticket_open_adds_the_message_once(env):
    env.clock.set(datetime(2026, 11, 30, 22, 0, tzinfo=SHANGHAI))  # after closing: a ticket
    first = _post(env, sender_id="web-night", request_id="m:night")
    assert first.status_code == 201 and first.json()["request_id"] == "m:night"
    retry = _post(env, sender_id="web-night", request_id="m:night")
    assert retry.status_code == 200 and retry.json()["ticket"]["id"] == first.json()["ticket"]["id"]
    assert retry.json()["request_id"] == "m:night"
    ticket_id = first.json()["ticket"]["id"]
    with env.app.state.sessionmaker() as db:
        count = len(db.scalars(select(TicketMessage).where(TicketMessage.ticket_id == ticket_id)).all())
    assert count == 0  # the retry's message is the one that opened the ticket (in its handoff)
    later = _post(env, sender_id="web-night", request_id="m:later")
    assert later.status_code == 200 and later.json()["request_id"] == "m:night"
    with env.app.state.sessionmaker() as db:
        count = len(db.scalars(select(TicketMessage).where(TicketMessage.ticket_id == ticket_id)).all())
    assert count == 1  # a new request: the customer's latest words go onto the ticket
