"""Public holidays and make-up working days (调休上班): the shop's calendar file.

The file (TOML, ``settings.business_calendar``; handoff/business_calendar.toml by default)
lists per year the holidays and make-up working days with their names, and whether the
year is ``confirmed`` (published by the State Council). A day is

* a *working day* (deadlines in working days): Monday to Friday and not a holiday, or a
  make-up working day;
* a *business day* (opening hours): one of ``settings.business_days`` and not a holiday,
  or a make-up working day.

No file (an empty setting): no holidays, weekdays only.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

log = logging.getLogger("handoff.calendar")

DEFAULT_FILE = Path(__file__).resolve().parent / "business_calendar.toml"


@dataclass(frozen=True)
class Day:
    """What the calendar says of one date: a holiday (closed) or make-up working day, with its name."""

    holiday: bool = False
    workday: bool = False
    name: Optional[str] = None


@dataclass(frozen=True)
class BusinessCalendar:
    holidays: dict[date, str] = field(default_factory=dict)
    workdays: dict[date, str] = field(default_factory=dict)
    # year → whether its dates are the published ones
    years: dict[int, bool] = field(default_factory=dict)

    def day(self, day: date) -> Day:
        if day in self.holidays:
            return Day(holiday=True, name=self.holidays[day])
        if day in self.workdays:
            return Day(workday=True, name=self.workdays[day])
        return Day()

    def is_working_day(self, day: date) -> bool:
        """A working day of the official calendar (working-day deadlines)."""
        found = self.day(day)
        return found.workday or (day.isoweekday() <= 5 and not found.holiday)

    def is_business_day(self, day: date, business_days: list[int]) -> bool:
        """A day with opening hours: a business weekday that is no holiday, or a make-up working
        day of a shop open on weekdays (it works the weekday the make-up day stands for)."""
        found = self.day(day)
        if found.workday:
            return any(weekday <= 5 for weekday in business_days)
        return day.isoweekday() in business_days and not found.holiday

    def missing_years(self, years: list[int]) -> list[int]:
        """Those of ``years`` the file lacks or has not confirmed."""
        return [year for year in years if not self.years.get(year)]


NO_CALENDAR = BusinessCalendar()


@lru_cache(maxsize=8)
def load(path: str) -> BusinessCalendar:
    """The calendar of the file at ``path`` (read once per path); ValueError if it is malformed."""
    if not path:
        return NO_CALENDAR
    try:
        with open(path, "rb") as file:
            data = tomllib.load(file)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"business calendar {path}: {exc}") from exc
    holidays: dict[date, str] = {}
    workdays: dict[date, str] = {}
    years: dict[int, bool] = {}
    for year_key, section in data.items():
        if not (isinstance(section, dict) and year_key.isdigit()):
            raise ValueError(f"business calendar {path}: [{year_key}] is not a year")
        year = int(year_key)
        years[year] = bool(section.get("confirmed", False))
        holidays.update(_dates(path, year, section.get("holidays", {})))
        workdays.update(_dates(path, year, section.get("workdays", {})))
    both = sorted(set(holidays) & set(workdays))
    if both:
        raise ValueError(f"business calendar {path}: {both[0]} is both a holiday and a working day")
    return BusinessCalendar(holidays=holidays, workdays=workdays, years=years)


def _dates(path: str, year: int, entries: Any) -> dict[date, str]:
    if not isinstance(entries, dict):
        raise ValueError(f'business calendar {path}: [{year}] lists dates as date = "name"')
    found = {}
    for key, name in entries.items():
        try:
            day = date.fromisoformat(key)
        except ValueError as exc:
            raise ValueError(f"business calendar {path}: {key!r} is not a date (YYYY-MM-DD)") from exc
        if day.year != year:
            raise ValueError(f"business calendar {path}: {key} is listed under {year}")
        found[day] = str(name)
    return found


def warn_if_incomplete(calendar: BusinessCalendar, path: str, today: date) -> list[int]:
    """Logs a warning when this year or next year is missing or not confirmed (called at start)."""
    if not path:
        return []
    missing = calendar.missing_years([today.year, today.year + 1])
    if missing:
        log.warning(
            "business calendar %s lacks the published holidays of %s: deadlines and opening hours "
            "on those days follow the weekdays; add them when the State Council publishes",
            path,
            ", ".join(map(str, missing)),
        )
    return missing
