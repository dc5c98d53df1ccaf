"""Figures from the handoff service's own tables: handoffs, their messages, ratings, tickets."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import func, select

from contract import handoff as reasons
from contract import tickets as ticket_contract

from .. import queue, tickets
from ..models import Agent, CsatRating, Handoff, Message
from .figures import percentile, rate


def _spread(values: list[float]) -> dict[str, Any]:
    return {
        "count": len(values),
        "average_seconds": round(sum(values) / len(values), 1) if values else None,
        "p50_seconds": percentile(values, 50),
        "p90_seconds": percentile(values, 90),
    }


def _csat(ratings: list[int], asked: Optional[int]) -> dict[str, Any]:
    return {
        "ratings": len(ratings),
        "average": round(sum(ratings) / len(ratings), 2) if ratings else None,
        "distribution": {str(score): ratings.count(score) for score in range(1, 6)},
        "response_rate": rate(len(ratings), asked) if asked is not None else None,
    }


def service_figures(
    ctx: Any, since: datetime, until: datetime, channel: Optional[str], contained: Optional[int]
) -> dict[str, Any]:
    """[since, until) naive UTC; ``contained``: the bot's own conversations (tracker store), the
    base of the bot's CSAT response rate (None: unknown)."""
    db, now = ctx.db, ctx.clock.now()

    def on_channel(statement, column):
        return statement if channel is None else statement.where(column == channel)

    # handoffs opened in the range, by reason (the service's rows: tickets outside hours included)
    opened = db.execute(
        on_channel(select(Handoff.reason, func.count()), Handoff.channel)
        .where(Handoff.created_at >= since, Handoff.created_at < until)
        .group_by(Handoff.reason)
    ).all()
    opened_by_reason = {reason: 0 for reason in reasons.REASONS} | {reason: n for reason, n in opened}

    # satisfaction: csat_ratings, and the handoff surveys (handoffs.rating) not also stored there
    rows = db.execute(
        on_channel(select(CsatRating.handled_by, CsatRating.rating, CsatRating.handoff_id), CsatRating.channel).where(
            CsatRating.created_at >= since, CsatRating.created_at < until
        )
    ).all()
    bot = [r for by, r, _ in rows if by == ticket_contract.HANDLED_BY_BOT]
    person = [r for by, r, _ in rows if by == ticket_contract.HANDLED_BY_PERSON]
    rated_handoffs = {h for by, _, h in rows if h is not None}
    surveys = db.execute(
        on_channel(select(Handoff.id, Handoff.rating), Handoff.channel).where(
            Handoff.rating.is_not(None), Handoff.rated_at >= since, Handoff.rated_at < until
        )
    ).all()
    person += [r for handoff_id, r in surveys if handoff_id not in rated_handoffs]
    served = db.scalar(
        on_channel(select(func.count()).select_from(Handoff), Handoff.channel).where(
            Handoff.accepted_at.is_not(None), Handoff.ended_at >= since, Handoff.ended_at < until
        )
    )

    # queue wait, first response and handle time of the handoffs accepted in the range
    accepted = db.scalars(
        on_channel(select(Handoff), Handoff.channel).where(
            Handoff.accepted_at >= since, Handoff.accepted_at < until, Handoff.queued_at.is_not(None)
        )
    ).all()
    first_replies = dict(
        db.execute(
            select(Message.handoff_id, func.min(Message.at))
            .where(Message.handoff_id.in_([h.id for h in accepted] or [0]), Message.role == "agent")
            .group_by(Message.handoff_id)
        ).all()
    )
    waits = [(h.accepted_at - h.queued_at).total_seconds() for h in accepted]
    per_agent: dict[int, dict[str, list[float]]] = {}
    for h in accepted:
        if h.assigned_agent_id is None:
            continue
        mine = per_agent.setdefault(h.assigned_agent_id, {"first": [], "handle": []})
        if h.id in first_replies:
            mine["first"].append((first_replies[h.id] - h.accepted_at).total_seconds())
        if h.ended_at is not None:
            mine["handle"].append((h.ended_at - h.accepted_at).total_seconds())
    names = dict(db.execute(select(Agent.id, Agent.display_name).where(Agent.id.in_(list(per_agent) or [0]))).all())
    agents = [
        {
            "agent_id": agent_id,
            "display_name": names.get(agent_id),
            "accepted": sum(1 for h in accepted if h.assigned_agent_id == agent_id),
            "first_response": _spread(values["first"]),
            "handle_time": _spread(values["handle"]),
        }
        for agent_id, values in sorted(per_agent.items())
    ]

    # live
    waiting = db.execute(
        on_channel(select(func.count(), func.min(Handoff.queued_at)), Handoff.channel).where(
            Handoff.state == reasons.QUEUED
        )
    ).one()
    return {
        "handoffs_opened": {"total": sum(opened_by_reason.values()), "by_reason": opened_by_reason},
        "csat": {"bot": _csat(bot, contained), "person": _csat(person, served)},
        "queue_wait": _spread(waits),
        "first_response": _spread([v for a in per_agent.values() for v in a["first"]]),
        "handle_time": _spread([v for a in per_agent.values() for v in a["handle"]]),
        "agents": agents,
        "tickets": tickets.stats(ctx, since, until),
        "live": {
            "waiting": waiting[0],
            "agents_online": len(queue.online_agent_ids(db, ctx.settings, now)),
            "longest_wait_seconds": (now - waiting[1]).total_seconds() if waiting[1] else None,
        },
    }
