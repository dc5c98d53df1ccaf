"""Outside business hours: a ticket (工单) with the SLA class of the reason and its deadlines."""

from __future__ import annotations

from datetime import datetime

import pytest

from handoff.queue import in_business_hours
from handoff.settings import Settings

from .support import SERVICE, SHANGHAI, package


def _at(env, *args):
    env.clock.set(datetime(*args, tzinfo=SHANGHAI))


def _ticket_for(env, reason):
    response = env.client.post("/api/handoffs", json=package(reason=reason), headers=SERVICE)
    assert response.status_code == 201
    answer = response.json()
    assert answer["state"] == "CLOSED" and answer["on_duty"] is False and answer["queue_position"] is None
    return answer["ticket"]


# Opened at Monday 22:00, after closing: the SLA clock starts when people come in,
# Tuesday 09:00 (the default hours are 09:00-22:00).
@pytest.mark.parametrize(
    "reason,sla_class,respond_by,resolve_by",
    [
        ("upset", "urgent", "2026-12-01T09:05:00+08:00", "2026-12-01T13:00:00+08:00"),
        ("complain", "urgent", "2026-12-01T09:05:00+08:00", "2026-12-01T13:00:00+08:00"),
        ("backend_down", "important", "2026-12-01T09:30:00+08:00", "2026-12-01T17:00:00+08:00"),
        ("errand_failed", "important", "2026-12-01T09:30:00+08:00", "2026-12-01T17:00:00+08:00"),
        ("request_human", "general", "2026-12-01T11:00:00+08:00", "2026-12-02T09:00:00+08:00"),
        ("low_confidence", "general", "2026-12-01T11:00:00+08:00", "2026-12-02T09:00:00+08:00"),
    ],
)
def test_after_hours_opens_a_ticket_of_the_reasons_class(env, reason, sla_class, respond_by, resolve_by):
    _at(env, 2026, 11, 30, 22, 0)
    ticket = _ticket_for(env, reason)
    assert ticket["sla_class"] == sla_class
    assert (ticket["respond_by"], ticket["resolve_by"]) == (respond_by, resolve_by)
    assert ticket["number"] == f"GD20261130{ticket['id']:06d}"


def test_before_opening_and_at_closing_time(env):
    _at(env, 2026, 11, 30, 8, 59)
    assert _ticket_for(env, "upset")
    _at(env, 2026, 11, 30, 22, 0)  # the default hours are 09:00-22:00
    assert _ticket_for(env, "upset")
    _at(env, 2026, 11, 30, 21, 59)
    assert env.open()["state"] == "QUEUED"


def test_ticket_number_uses_the_local_date(env):
    _at(env, 2026, 12, 1, 2, 0)  # 2026-11-30 18:00 UTC: the local date is already December 1st
    assert _ticket_for(env, "upset")["number"].startswith("GD20261201")


def test_before_opening_the_clock_starts_at_opening_the_same_day(env):
    _at(env, 2026, 11, 30, 7, 30)
    ticket = _ticket_for(env, "upset")
    assert ticket["respond_by"] == "2026-11-30T09:05:00+08:00"


@pytest.mark.settings(business_days=[1, 2, 3, 4, 5])
def test_a_saturday_ticket_is_answered_from_monday_morning(env):
    _at(env, 2026, 12, 5, 10, 0)  # a Saturday
    ticket = _ticket_for(env, "complain")
    assert ticket["respond_by"] == "2026-12-07T09:05:00+08:00"


@pytest.mark.settings(require_agent_online=True)
def test_in_business_hours_with_nobody_online_the_clock_starts_at_once(env):
    _at(env, 2026, 11, 30, 10, 0)
    assert _ticket_for(env, "upset")["respond_by"] == "2026-11-30T10:05:00+08:00"


@pytest.mark.settings(business_days=[1, 2, 3, 4, 5])
def test_weekends_closed_when_configured(env):
    _at(env, 2026, 12, 5, 10, 0)  # a Saturday
    assert _ticket_for(env, "request_human")


@pytest.mark.settings(business_hours="00:00-24:00")
def test_always_open(env):
    _at(env, 2026, 11, 30, 3, 0)
    assert env.open()["state"] == "QUEUED"


@pytest.mark.settings(require_agent_online=True)
def test_no_agent_online_means_a_ticket_when_required(env):
    assert _ticket_for(env, "upset")
    env.login("wang")
    assert env.open()["state"] == "QUEUED"


def test_supervisor_changes_the_class_and_deadlines(env):
    _at(env, 2026, 11, 30, 22, 0)  # Monday evening
    ticket = _ticket_for(env, "request_human")
    wang, zhou = env.login("wang"), env.login("zhou")
    assert wang.patch(f"/api/tickets/{ticket['id']}", json={"sla_class": "urgent"}).status_code == 403
    assert zhou.patch(f"/api/tickets/{ticket['id']}", json={"sla_class": "nope"}).status_code == 422
    changed = zhou.patch(f"/api/tickets/{ticket['id']}", json={"sla_class": "suggestion"}).json()
    assert changed["respond_by"] == "2026-12-02T09:00:00+08:00"  # 24 h from Tuesday's opening
    assert changed["resolve_by"] == "2026-12-08T09:00:00+08:00"  # 5 working days: Wed..Fri, Mon, Tue
    assert [t["sla_class"] for t in zhou.get("/api/tickets").json()] == ["suggestion"]
    # an agent lists the active tickets nobody holds and their own, not another agent's
    assert [t["id"] for t in wang.get("/api/tickets").json()] == [ticket["id"]]
    li = env.login("li")
    assert zhou.post(f"/api/tickets/{ticket['id']}/assign", json={"agent_id": li.id}).status_code == 200
    assert wang.get("/api/tickets").json() == []
    assert [t["id"] for t in li.get("/api/tickets").json()] == [ticket["id"]]


def test_ticket_messages(env):
    _at(env, 2026, 11, 30, 23, 0)
    ticket = _ticket_for(env, "complain")
    url = f"/api/tickets/{ticket['id']}/messages"
    response = env.client.post(url, json={"text": "请尽快联系我，谢谢"}, headers=SERVICE)
    assert response.status_code == 201 and response.json()["text"] == "请尽快联系我，谢谢"
    assert env.client.post(url, json={"text": ""}, headers=SERVICE).status_code == 422
    assert env.client.post(url, json={"text": "长" * 2001}, headers=SERVICE).status_code == 422
    assert env.client.post("/api/tickets/9999/messages", json={"text": "在吗"}, headers=SERVICE).status_code == 404


def test_business_hours_settings_are_validated():
    with pytest.raises(ValueError):
        Settings(business_hours="21:00-09:00")
    with pytest.raises(ValueError):
        Settings(business_hours="9点到21点")
    with pytest.raises(ValueError):
        Settings(business_days=[0, 8])


def test_in_business_hours_follows_the_time_zone():
    settings = Settings(business_hours="09:00-21:00")
    assert in_business_hours(settings, datetime(2026, 11, 30, 1, 0))  # 09:00 in Shanghai
    assert not in_business_hours(settings, datetime(2026, 11, 30, 0, 59))
    assert not in_business_hours(settings, datetime(2026, 11, 30, 13, 0))  # 21:00 in Shanghai
