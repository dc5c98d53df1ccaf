"""POST /api/service/ratings: a customer's satisfaction rating into csat_ratings (the bot's
own survey, or a person's), once per request_id, with its input checked."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from handoff.models import CsatRating

from .support import SERVICE

URL = "/api/service/ratings"


def rating(**overrides):
    body = {
        "sender_id": "rating-customer",
        "channel": "socketio",
        "handled_by": "bot",
        "handoff_id": None,
        "rating": 5,
        "intents": ["faq_shipping", "order_status", "goodbye"],
        "request_id": "m:4f2a9c",
    }
    return {**body, **overrides}


def stored_rows(env):
    with env.app.state.sessionmaker() as db:
        return db.scalars(select(CsatRating).order_by(CsatRating.id)).all()


def test_a_bot_rating_is_stored_with_its_intents(env):
    response = env.client.post(URL, json=rating(), headers=SERVICE)
    assert response.status_code == 201, response.text
    assert response.json() == {"id": response.json()["id"], "rating": 5, "handled_by": "bot", "stored": True}
    (row,) = stored_rows(env)
    assert (row.sender_id, row.channel, row.handled_by, row.handoff_id, row.rating) == (
        "rating-customer",
        "socketio",
        "bot",
        None,
        5,
    )
    assert row.intents == ["faq_shipping", "order_status", "goodbye"]
    assert row.request_id == "m:4f2a9c" and row.created_at is not None


def test_the_same_request_again_is_stored_once_and_the_first_rating_stands(env):
    first = env.client.post(URL, json=rating(rating=4), headers=SERVICE)
    again = env.client.post(URL, json=rating(rating=1), headers=SERVICE)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["rating"] == 4 and again.json()["stored"] is False
    assert len(stored_rows(env)) == 1


def test_a_request_id_of_another_conversation_is_refused(env):
    assert env.client.post(URL, json=rating(), headers=SERVICE).status_code == 201
    other = env.client.post(URL, json=rating(sender_id="someone-else"), headers=SERVICE)
    assert other.status_code == 409 and other.json()["error"]["code"] == "request_id_in_use"


def test_intents_are_kept_once_each_in_order(env):
    body = rating(intents=["greet", "faq_shipping", "greet", "goodbye", "faq_shipping"])
    assert env.client.post(URL, json=body, headers=SERVICE).status_code == 201
    assert stored_rows(env)[0].intents == ["greet", "faq_shipping", "goodbye"]


def test_a_persons_rating_names_its_handoff(env):
    handoff = env.open(sender_id="rated-after-a-person")
    body = rating(sender_id="rated-after-a-person", handled_by="person", handoff_id=handoff["id"], rating=3)
    assert env.client.post(URL, json=body, headers=SERVICE).status_code == 201
    assert stored_rows(env)[0].handoff_id == handoff["id"]
    unknown = env.client.post(
        URL, json=rating(handled_by="person", handoff_id=999999, request_id="m:other"), headers=SERVICE
    )
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    "overrides",
    [
        {"rating": 0},
        {"rating": 6},
        {"rating": "５"},
        {"rating": None},
        {"channel": "fax"},
        {"channel": ""},
        {"handled_by": "robot"},
        {"handled_by": "person"},  # a person's rating without its handoff
        {"handoff_id": 12},  # the bot's rating with a handoff
        {"intents": ["x"] * 51},
        {"intents": ["订单状态"]},
        {"intents": ["a" * 65]},
        {"intents": "faq_shipping"},
        {"request_id": ""},
        {"request_id": "m:" + "9" * 70},
        {"sender_id": ""},
        {"sender_id": "s" * 256},
    ],
)
def test_bad_input_gets_a_clear_422_and_nothing_is_stored(env, overrides):
    response = env.client.post(URL, json=rating(**overrides), headers=SERVICE)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"]
    assert stored_rows(env) == []


def test_malformed_json_and_an_empty_body_are_refused(env):
    broken = env.client.post(URL, content=b"{rating: 5", headers={**SERVICE, "Content-Type": "application/json"})
    assert broken.status_code == 422
    assert env.client.post(URL, json={}, headers=SERVICE).status_code == 422


@pytest.mark.parametrize("headers", [{}, {"X-Service-Key": "wrong-key"}])
def test_only_the_service_key_may_store_a_rating(env, headers):
    assert env.client.post(URL, json=rating(), headers=headers).status_code == 401
    assert stored_rows(env) == []
