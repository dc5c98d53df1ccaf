"""Public holidays and make-up working days: opening hours, ticket deadlines, the FAQ's answer."""

from __future__ import annotations

import logging
from datetime import date, datetime

import pytest

from handoff import business_calendar
from handoff.settings import Settings

from .support import SERVICE, SHANGHAI, package


def _at(env, *args):
    env.clock.set(datetime(*args, tzinfo=SHANGHAI))


def _ticket(env, reason="complain"):
    response = env.client.post("/api/handoffs", json=package(reason=reason), headers=SERVICE)
    assert response.status_code == 201, response.text
    return response.json()


def _hours(env):
    response = env.client.get("/api/service/business-hours", headers=SERVICE)
    assert response.status_code == 200, response.text
    return response.json()


def test_national_day_is_closed_and_the_clock_starts_after_it(env):
    _at(env, 2026, 10, 1, 10, 0)  # a Thursday, in the hours, but 国庆节
    opened = _ticket(env)
    assert opened["state"] == "CLOSED" and opened["ticket"] is not None  # a ticket, not the queue
    assert opened["ticket"]["respond_by"] == "2026-10-08T09:05:00+08:00"  # the first day after the holiday
    hours = _hours(env)
    assert hours["open_now"] is False
    assert hours["today"] == {"date": "2026-10-01", "working": False, "name": "国庆节"}
    assert hours["next_opening"] == "2026-10-08T09:00:00+08:00"
    upcoming = {day["date"]: day for day in hours["upcoming"]}
    assert upcoming["2026-10-07"] == {"date": "2026-10-07", "working": False, "name": "国庆节"}
    assert upcoming["2026-10-10"] == {"date": "2026-10-10", "working": True, "name": "国庆节调休上班"}
    assert "2026-10-08" not in upcoming  # an ordinary day
    assert all(day["date"] <= "2026-10-31" for day in hours["upcoming"])


@pytest.mark.settings(business_days=[1, 2, 3, 4, 5])
def test_a_make_up_saturday_opens_a_weekday_shop(env):
    _at(env, 2026, 10, 10, 10, 0)  # Saturday, 调休上班
    assert env.open()["state"] == "QUEUED"
    assert _hours(env)["open_now"] is True
    _at(env, 2026, 10, 9, 23, 0)  # Friday night: the next opening is the make-up Saturday
    assert _hours(env)["next_opening"] == "2026-10-10T09:00:00+08:00"
    _at(env, 2026, 10, 17, 10, 0)  # an ordinary Saturday stays closed
    assert _hours(env)["open_now"] is False


@pytest.mark.settings(business_days=[1, 2, 3, 4, 5])
def test_an_ordinary_day_in_the_hours(env):
    hours = _hours(env)  # Monday 2026-11-30 10:00
    assert hours["open_now"] is True and hours["hours"] == "09:00-22:00"
    assert hours["business_days"] == [1, 2, 3, 4, 5]
    assert hours["today"] == {"date": "2026-11-30", "working": True, "name": None}
    assert hours["next_opening"] == "2026-12-01T09:00:00+08:00"
    assert hours["upcoming"] == []  # no holiday before the end of December


@pytest.mark.settings(reason_sla={"request_human": "suggestion"})
def test_working_days_skip_holidays_and_count_make_up_days(env):
    _at(env, 2026, 9, 28, 23, 0)  # Monday night; the clock starts Tuesday 09:00
    ticket = _ticket(env, "request_human")["ticket"]
    # 5 working days: 9-30, (10-1..10-7 holidays), 10-8, 10-9, 10-10 (make-up Saturday), 10-12
    assert ticket["resolve_by"] == "2026-10-12T09:00:00+08:00"


@pytest.mark.settings(reason_sla={"request_human": "suggestion"}, business_calendar="")
def test_without_a_calendar_only_weekdays_count(env):
    _at(env, 2026, 9, 28, 23, 0)
    ticket = _ticket(env, "request_human")["ticket"]
    assert ticket["resolve_by"] == "2026-10-06T09:00:00+08:00"  # 9-30, 10-1, 10-2, 10-5, 10-6


def test_the_shipped_calendar_has_2026_confirmed_and_2027_not():
    calendar = business_calendar.load(str(business_calendar.DEFAULT_FILE))
    assert calendar.years[2026] is True and calendar.years.get(2027) is False
    assert calendar.day(date(2026, 2, 17)).name == "春节" and not calendar.is_working_day(date(2026, 2, 17))
    assert calendar.is_working_day(date(2026, 2, 14))  # Saturday, 调休上班
    assert not calendar.is_working_day(date(2026, 2, 15))  # Sunday, holiday


def test_the_loader_warns_when_next_year_is_missing(tmp_path, caplog):
    path = tmp_path / "calendar.toml"
    path.write_text('[2026]\nconfirmed = true\n[2026.holidays]\n2026-10-01 = "国庆节"\n', encoding="utf-8")
    calendar = business_calendar.load(str(path))
    with caplog.at_level(logging.WARNING, logger="handoff.calendar"):
        assert business_calendar.warn_if_incomplete(calendar, str(path), date(2026, 12, 2)) == [2027]
    assert "2027" in caplog.text
    caplog.clear()
    assert business_calendar.warn_if_incomplete(calendar, str(path), date(2026, 1, 2)) == [2027]
    assert business_calendar.warn_if_incomplete(business_calendar.NO_CALENDAR, "", date(2026, 12, 2)) == []


@pytest.mark.parametrize(
    "content",
    [
        "[2026\n",  # not TOML
        '[2026.holidays]\n2026-13-01 = "x"\n',  # no such date
        '[2026.holidays]\n2027-01-01 = "x"\n',  # under the wrong year
        '[2026.holidays]\n2026-10-01 = "x"\n[2026.workdays]\n2026-10-01 = "y"\n',  # both
        "[next]\nconfirmed = true\n",  # not a year
    ],
)
def test_a_malformed_calendar_stops_the_settings(tmp_path, content):
    path = tmp_path / "calendar.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError):
        Settings(business_calendar=str(path))


def test_a_missing_calendar_file_stops_the_settings(tmp_path):
    with pytest.raises(ValueError):
        Settings(business_calendar=str(tmp_path / "none.toml"))


def test_a_make_up_day_opens_only_a_shop_that_opens_on_weekdays():
    calendar = business_calendar.load(str(business_calendar.DEFAULT_FILE))
    make_up_saturday = date(2026, 10, 10)
    assert calendar.is_business_day(make_up_saturday, [1, 2, 3, 4, 5])
    assert not calendar.is_business_day(make_up_saturday, [])  # never open
    assert not calendar.is_business_day(make_up_saturday, [7])  # Sundays only
    assert not calendar.is_business_day(date(2026, 10, 1), [1, 2, 3, 4, 5, 6, 7])  # 国庆节
