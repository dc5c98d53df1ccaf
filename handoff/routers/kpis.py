"""GET /api/kpis: the supervisors' figures (API.md, "KPIs")."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, Optional

from fastapi import APIRouter, Query

from contract import channels
from servicekit.clock import local_date, to_local, utc_from_local
from servicekit.errors import ApiError

from .. import kpis
from ..deps import CtxDep, SupervisorDep

router = APIRouter(prefix="/api/kpis", tags=["kpis"])
DEFAULT_DAYS = 7
CHANNELS = (channels.WEBCHAT, channels.WECHAT, channels.REST)


def _day(value: Optional[str], name: str) -> Optional[date]:
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ApiError(422, "bad_date", f"{name} must be a date YYYY-MM-DD, not {value[:20]!r}") from None


@router.get("", summary="Supervisors: robot and service KPIs of a range of local days")
def get_kpis(
    _supervisor: SupervisorDep,
    ctx: CtxDep,
    first_day: Optional[str] = Query(None, alias="from", max_length=32, description="First local day YYYY-MM-DD"),
    last_day: Optional[str] = Query(None, alias="to", max_length=32, description="Last local day, included"),
    channel: Optional[str] = Query(None, max_length=32, description="Rasa input channel: " + ", ".join(CHANNELS)),
) -> dict[str, Any]:
    tz = ctx.settings.tz
    last = _day(last_day, "to") or local_date(ctx.clock.now(), tz)
    first = _day(first_day, "from") or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise ApiError(422, "bad_range", "from must not be after to")
    if (last - first).days + 1 > kpis.MAX_DAYS:
        raise ApiError(422, "range_too_long", f"a range covers at most {kpis.MAX_DAYS} days")
    channel = channel or None
    if channel is not None and channel not in CHANNELS:
        raise ApiError(422, "unknown_channel", f"channels: {', '.join(CHANNELS)}")
    since = utc_from_local(datetime.combine(first, time()), tz)
    until = utc_from_local(datetime.combine(last + timedelta(days=1), time()), tz)

    tracker: dict[str, Any] = {"available": True, "reason": None}
    try:
        convs = kpis.conversations(kpis.read_tracker_events(ctx.settings.tracker_store_url, since, until))
        figures: dict[str, Any] = kpis.tracker_figures(convs, since, until, channel)
    except kpis.TrackerUnavailable as exc:
        tracker = {"available": False, "reason": str(exc)}
        figures = dict.fromkeys(kpis.TRACKER_KEYS)
    contained = figures["containment"]["contained"] if figures["containment"] else None
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "since": to_local(since, tz),
        "until": to_local(until, tz),
        "channel": channel,
        "generated_at": to_local(ctx.clock.now(), tz),
        "tracker": tracker,
        **figures,
        **kpis.service_figures(ctx, since, until, channel, contained),
    }
