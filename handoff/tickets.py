"""A ticket's (工单) life cycle: open → assigned → answered → resolved → closed (API.md, "Tickets").

Every change is a conditional UPDATE on the status (two agents, two instances: one wins,
the other gets 409) and writes one ticket event (the timeline; the supervisors' figures).
An agent's answer is stored first (pending), then given to Rasa as a live reply is; the
outcome (delivered or not, the reason, the route) is one small value, ``DeliveryOutcome``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Optional, cast

from sqlalchemy import case, func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from contract import channels, delivery
from contract import tickets as contract
from privacy import mask_text
from servicekit.errors import ApiError

from . import texts
from .hub import EVERYONE, Audience
from .models import Agent, Ticket, TicketEvent, TicketMessage
from .rasa_client import RasaUnavailable
from .service import Ctx, customer_text, storable
from .ticket_views import ticket_detail, ticket_item, ticket_message_item

# GD + the local date (8 digits) + the id (6 digits or more)
NUMBER = re.compile(r"^GD\d{14,}$")
LOOKUP_LIMIT = 5  # tickets a customer's lookup returns, newest first
LIST_LIMIT = 500
STAT_KEYS = ("active", "at_risk", "created", "breached_respond", "breached_resolve")


# ----- errors -----
def not_found() -> ApiError:
    return ApiError(404, "not_found", texts.TICKET_NOT_FOUND)


def wrong_status(ticket: Ticket, action: str) -> ApiError:
    label = contract.STATUS_LABELS.get(ticket.status, ticket.status)
    message = texts.TICKET_WRONG_STATUS.format(status=label, action=texts.TICKET_ACTIONS[action])
    return ApiError(409, "wrong_status", message, ticket_status=ticket.status)


def normalized_number(raw: str) -> str:
    """A ticket number as typed (full-width letters or digits, spaces, lower case) → GD…; 422 if it is none."""
    number = re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw)).upper()
    if not NUMBER.match(number):
        raise ApiError(422, "invalid_ticket_number", texts.TICKET_BAD_NUMBER)
    return number


# ----- reading -----
def can_see(agent: Agent, ticket: Ticket) -> bool:
    """A supervisor sees all; an agent their own and the active ones nobody holds."""
    if agent.role == "supervisor" or ticket.assigned_agent_id == agent.id:
        return True
    return ticket.assigned_agent_id is None and ticket.status in contract.ACTIVE


def visible_ticket(ctx: Ctx, agent: Agent, ticket_id: int) -> Ticket:
    """404 for another agent's ticket exactly as for a missing id (no existence oracle)."""
    ticket = ctx.db.get(Ticket, ticket_id)
    if ticket is None or not can_see(agent, ticket):
        raise not_found()
    return ticket


def audience_of(ticket: Ticket) -> Audience:
    if ticket.assigned_agent_id is None:
        return EVERYONE
    return Audience.agents([ticket.assigned_agent_id])


def list_tickets(ctx: Ctx, agent: Agent, status: Optional[str], sla_class: Optional[str]) -> list[dict[str, Any]]:
    """An agent's own and the unassigned active ones (a supervisor: all); active ones unless a
    status is asked for; the nearest running deadline first, those without one last."""
    query = select(Ticket)
    if agent.role != "supervisor":
        unassigned_active = Ticket.assigned_agent_id.is_(None) & Ticket.status.in_(contract.ACTIVE)
        query = query.where((Ticket.assigned_agent_id == agent.id) | unassigned_active)
    query = query.where(Ticket.status == status) if status else query.where(Ticket.status.in_(contract.ACTIVE))
    if sla_class:
        query = query.where(Ticket.sla_class == sla_class)
    # the respond deadline comes before the resolve deadline: it is the next one until answered
    next_due = case((Ticket.first_response_at.is_(None), Ticket.respond_by), else_=Ticket.resolve_by)
    query = query.options(selectinload(Ticket.handoff), selectinload(Ticket.assigned_agent))  # one query each
    rows = ctx.db.scalars(query.order_by(next_due, Ticket.id.desc()).limit(LIST_LIMIT))
    now, tz = ctx.clock.now(), ctx.settings.tz
    items = [ticket_item(t, tz, now) for t in rows]
    far = float("inf")
    return sorted(items, key=lambda i: (i["seconds_left"] is None, i["seconds_left"] or far, -i["id"]))


def detail(ctx: Ctx, ticket: Ticket) -> dict[str, Any]:
    return ticket_detail(ticket, ctx.settings.tz, ctx.clock.now())


# ----- changes -----
def record(ctx: Ctx, ticket: Ticket, kind: str, agent_id: Optional[int] = None, detail: Optional[str] = None) -> None:
    now = ctx.clock.now()
    ctx.db.add(TicketEvent(ticket_id=ticket.id, kind=kind, detail=detail, agent_id=agent_id, at=now))


def _move(ctx: Ctx, ticket: Ticket, action: str, expected: tuple[str, ...], **values: Any) -> None:
    """UPDATE … WHERE status IN expected: 409 when the status is another (someone changed it first)."""
    result = ctx.db.execute(
        update(Ticket)
        .where(Ticket.id == ticket.id, Ticket.status.in_(expected))
        .values(updated_at=ctx.clock.now(), **values)
        .execution_options(synchronize_session=False)
    )
    if cast("CursorResult[Any]", result).rowcount != 1:
        ctx.db.rollback()
        ctx.db.refresh(ticket)
        raise wrong_status(ticket, action)
    ctx.db.refresh(ticket)


def _commit_and_push(ctx: Ctx, ticket: Ticket, audience: Optional[Audience] = None) -> dict[str, Any]:
    ctx.db.commit()
    item = ticket_item(ticket, ctx.settings.tz, ctx.clock.now())
    ctx.push({"type": contract.WS_TICKET, "ticket": item}, audience or audience_of(ticket))
    return detail(ctx, ticket)


def _require_holder(agent: Agent, ticket: Ticket) -> None:
    if agent.role != "supervisor" and ticket.assigned_agent_id != agent.id:
        raise ApiError(403, "forbidden", texts.TICKET_NOT_HOLDER)


def claim(ctx: Ctx, agent: Agent, ticket_id: int) -> dict[str, Any]:
    """open → assigned to the caller."""
    ticket = visible_ticket(ctx, agent, ticket_id)
    if ticket.assigned_agent_id is not None and ticket.assigned_agent_id != agent.id:
        raise ApiError(409, "claimed", texts.TICKET_CLAIMED_BY_OTHER, ticket_status=ticket.status)
    _move(ctx, ticket, "claim", (contract.OPEN,), status=contract.ASSIGNED, assigned_agent_id=agent.id)
    record(ctx, ticket, contract.EV_ASSIGNED, agent.id)
    return _commit_and_push(ctx, ticket, EVERYONE)  # everyone: it left the others' lists


def assign(ctx: Ctx, supervisor: Agent, ticket_id: int, agent_id: int) -> dict[str, Any]:
    """A supervisor gives an active ticket to an agent (open → assigned; others keep their status)."""
    ticket = visible_ticket(ctx, supervisor, ticket_id)
    target = ctx.db.get(Agent, agent_id)
    if target is None or not target.active:
        raise ApiError(422, "unknown_agent", texts.TICKET_UNKNOWN_AGENT)
    if ticket.status not in contract.ACTIVE:
        raise wrong_status(ticket, "assign")
    previous = ticket.assigned_agent_id
    status = contract.ASSIGNED if ticket.status == contract.OPEN else ticket.status
    _move(ctx, ticket, "assign", (ticket.status,), status=status, assigned_agent_id=target.id)
    record(ctx, ticket, contract.EV_ASSIGNED, target.id)
    return _commit_and_push(ctx, ticket, Audience.agents([previous, target.id]) if previous else EVERYONE)


@dataclass(frozen=True)
class DeliveryOutcome:
    """Whether an answer reached the customer (contract.delivery), why not, and by which route."""

    state: str
    reason: Optional[str]
    via: str


def delivery_outcome(
    channel: str, error: Optional[RasaUnavailable], rerouted: Optional[delivery.Outcome] = None
) -> DeliveryOutcome:
    """The route the channel named when it took a fallback (a WeChat template: delivered;
    kept for the customer's next message: pending); else the handoff's channel's live one:
    the web chat's conversation, WeChat's customer-service message, else the stored conversation."""
    if rerouted is not None and rerouted.via is not None:
        return DeliveryOutcome(rerouted.state, None, rerouted.via)
    via = {channels.WEBCHAT: contract.VIA_WEBCHAT, channels.WECHAT: contract.VIA_CUSTOMER_SERVICE}.get(
        channel, contract.VIA_OTHER
    )
    if error is not None:
        return DeliveryOutcome(delivery.NOT_DELIVERED, error.reason, via)
    return DeliveryOutcome(delivery.DELIVERED, None, via)


def answer(ctx: Ctx, agent: Agent, ticket_id: int, text: str) -> dict[str, Any]:
    """Stored first (pending), then given to Rasa with the ticket's number; delivered: the
    ticket is answered (the first answer ends the respond deadline). Not delivered: the
    reason is shown and the ticket keeps its status (the agent answers again)."""
    ticket = visible_ticket(ctx, agent, ticket_id)
    _require_holder(agent, ticket)
    if ticket.status not in (contract.ASSIGNED, contract.ANSWERED):
        raise wrong_status(ticket, "answer")
    message = TicketMessage(
        ticket_id=ticket.id,
        role="agent",
        text=storable(text),  # the agent's own words, as written
        agent_id=agent.id,
        created_at=ctx.clock.now(),
        delivery=delivery.PENDING,
    )
    ctx.db.add(message)
    ctx.db.commit()
    error: Optional[RasaUnavailable] = None
    rerouted: Optional[delivery.Outcome] = None
    try:
        send = ctx.rasa.send_ticket_answer
        rerouted = ctx.run(send, ticket.sender_id, message.text, agent.display_name, ticket.number)
    except RasaUnavailable as exc:
        error = exc
    outcome = delivery_outcome(ticket.handoff.channel, error, rerouted)
    message.delivery, message.delivery_reason, message.delivered_via = outcome.state, outcome.reason, outcome.via
    ctx.db.commit()
    if outcome.state == delivery.DELIVERED:
        first = ticket.first_response_at or ctx.clock.now()
        expected = (contract.ASSIGNED, contract.ANSWERED)
        try:
            _move(ctx, ticket, "answer", expected, status=contract.ANSWERED, first_response_at=first)
        except ApiError:
            pass  # resolved or closed meanwhile: the answer stays on the ticket, the status is the other's
        else:
            record(ctx, ticket, contract.EV_ANSWERED, agent.id)
    _commit_and_push(ctx, ticket)
    return ticket_message_item(message, ctx.settings.tz)


def resolve(ctx: Ctx, agent: Agent, ticket_id: int) -> dict[str, Any]:
    """assigned | answered → resolved; it closes itself when the reopen window passes."""
    ticket = visible_ticket(ctx, agent, ticket_id)
    _require_holder(agent, ticket)
    expected = (contract.ASSIGNED, contract.ANSWERED)
    _move(ctx, ticket, "resolve", expected, status=contract.RESOLVED, resolved_at=ctx.clock.now())
    record(ctx, ticket, contract.EV_RESOLVED, agent.id)
    return _commit_and_push(ctx, ticket)


def close(ctx: Ctx, agent: Agent, ticket_id: int) -> dict[str, Any]:
    """Any status but closed (and the legacy merged/expired) → closed."""
    ticket = visible_ticket(ctx, agent, ticket_id)
    _require_holder(agent, ticket)
    expected = (*contract.ACTIVE, contract.RESOLVED)
    _move(ctx, ticket, "close", expected, status=contract.CLOSED, closed_at=ctx.clock.now())
    record(ctx, ticket, contract.EV_CLOSED, agent.id)
    return _commit_and_push(ctx, ticket)


def _reopened_status(ticket: Ticket) -> str:
    return contract.ASSIGNED if ticket.assigned_agent_id is not None else contract.OPEN


def _other_active(ctx: Ctx, ticket: Ticket) -> bool:
    """The sender has another active ticket (opened after this one was resolved)."""
    found = ctx.db.scalar(
        select(Ticket.id).where(
            Ticket.sender_id == ticket.sender_id, Ticket.id != ticket.id, Ticket.status.in_(contract.ACTIVE)
        )
    )
    return found is not None


def reopen(ctx: Ctx, agent: Agent, ticket_id: int) -> dict[str, Any]:
    """An agent puts a resolved or closed ticket back to work (assigned, or open without an agent)."""
    ticket = visible_ticket(ctx, agent, ticket_id)
    _require_holder(agent, ticket)
    if ticket.status not in (contract.RESOLVED, contract.CLOSED):
        raise wrong_status(ticket, "reopen")
    if _other_active(ctx, ticket):
        raise ApiError(409, "sender_has_active_ticket", texts.TICKET_SENDER_HAS_ACTIVE, ticket_status=ticket.status)
    _reopen(ctx, ticket, agent.id)
    return _commit_and_push(ctx, ticket)


def _reopen(ctx: Ctx, ticket: Ticket, agent_id: Optional[int]) -> None:
    values = dict(status=_reopened_status(ticket), reopened_count=ticket.reopened_count + 1)
    _move(ctx, ticket, "reopen", (ticket.status,), resolved_at=None, closed_at=None, **values)
    record(ctx, ticket, contract.EV_REOPENED, agent_id)


def close_after_window(ctx: Ctx) -> int:
    """Resolved tickets whose reopen window passed close themselves (the watcher's round); the number closed."""
    until = ctx.clock.now() - timedelta(hours=ctx.settings.ticket_reopen_hours)
    due = ctx.db.scalars(
        select(Ticket).where(Ticket.status == contract.RESOLVED, Ticket.resolved_at <= until).limit(LIST_LIMIT)
    ).all()
    closed = 0
    for ticket in due:
        if _close_expired(ctx, ticket):
            closed += 1
            _commit_and_push(ctx, ticket)
    return closed


def _close_expired(ctx: Ctx, ticket: Ticket) -> bool:
    try:
        _move(ctx, ticket, "close", (contract.RESOLVED,), status=contract.CLOSED, closed_at=ctx.clock.now())
    except ApiError:
        return False  # reopened or closed meanwhile
    record(ctx, ticket, contract.EV_CLOSED, None, contract.CLOSED_AFTER_WINDOW)
    return True


# ----- the customer's side (service key) -----
def customer_ticket(ctx: Ctx, raw_number: str, sender_id: str) -> Ticket:
    """The sender's ticket of that number; 404 for another sender's exactly as for none."""
    number = normalized_number(raw_number)
    ticket = ctx.db.scalars(select(Ticket).where(Ticket.number == number)).first()
    if ticket is None or ticket.sender_id != sender_id:
        raise not_found()
    return ticket


def _window_passed(ctx: Ctx, ticket: Ticket) -> bool:
    since = ticket.resolved_at or ticket.updated_at or ticket.created_at
    return ctx.clock.now() > since + timedelta(hours=ctx.settings.ticket_reopen_hours)


def add_customer_message(
    ctx: Ctx, ticket: Ticket, text: str, message_id: Optional[str] = None
) -> tuple[bool, TicketMessage]:
    """(stored now, the message): the customer's words on the ticket, masked, once per
    message_id. An answered ticket goes back to work (assigned, or open without an agent),
    a resolved one too within the reopen window; a closed one (or resolved past the window,
    closed now) answers 409 ``ticket_closed``."""
    if message_id:
        known = ctx.db.scalars(
            select(TicketMessage).where(TicketMessage.ticket_id == ticket.id, TicketMessage.message_id == message_id)
        ).first()
        if known is not None:
            return False, known
    if ticket.status == contract.RESOLVED and _window_passed(ctx, ticket):
        if _close_expired(ctx, ticket):
            _commit_and_push(ctx, ticket)
    if ticket.status not in (*contract.ACTIVE, contract.RESOLVED):
        raise ApiError(409, "ticket_closed", texts.TICKET_CLOSED, ticket_status=ticket.status)
    message = TicketMessage(
        ticket_id=ticket.id,
        role="customer",
        text=customer_text(text),
        message_id=message_id,
        created_at=ctx.clock.now(),
    )
    ctx.db.add(message)
    try:
        ctx.db.flush()
    except IntegrityError:  # the same message_id at the same moment (a retry, another instance)
        ctx.db.rollback()
        return False, _stored(ctx, ticket, message_id)
    record(ctx, ticket, contract.EV_CUSTOMER_WROTE)
    if ticket.status in (contract.ANSWERED, contract.RESOLVED) and not _other_active(ctx, ticket):
        try:
            _reopen(ctx, ticket, None)
        except ApiError:
            pass  # changed meanwhile: the message is kept all the same
    else:
        ticket.updated_at = ctx.clock.now()
    _commit_and_push(ctx, ticket)
    return True, message


def _stored(ctx: Ctx, ticket: Ticket, message_id: Optional[str]) -> TicketMessage:
    return ctx.db.scalars(
        select(TicketMessage).where(TicketMessage.ticket_id == ticket.id, TicketMessage.message_id == message_id)
    ).one()


def lookup(ctx: Ctx, sender_id: str) -> list[dict[str, Any]]:
    """The sender's newest tickets, for the customer: where each stands, the latest answer (masked)."""
    rows = ctx.db.scalars(
        select(Ticket).where(Ticket.sender_id == sender_id).order_by(Ticket.id.desc()).limit(LOOKUP_LIMIT)
    ).all()
    tz = ctx.settings.tz
    result = []
    for ticket in rows:
        view = ticket_item(ticket, tz, ctx.clock.now())
        answers = [m for m in ticket.messages if m.role == "agent" and m.delivery == delivery.DELIVERED]
        result.append(
            {
                **{key: view[key] for key in ("number", "status", "status_label", "sla_class", "created_at")},
                **{key: view[key] for key in ("respond_by", "resolve_by")},
                "latest_answer": mask_text(answers[-1].text) if answers else None,
                "latest_answer_at": ticket_message_item(answers[-1], tz)["at"] if answers else None,
            }
        )
    return result


# ----- supervisors' figures -----
def stats(ctx: Ctx, since: datetime, until: datetime) -> dict[str, dict[str, int]]:
    """Per SLA class: active tickets and those at risk now; tickets created, respond and resolve
    deadlines breached in [since, until) (naive UTC)."""
    figures: dict[str, dict[str, int]] = {name: dict.fromkeys(STAT_KEYS, 0) for name in ctx.settings.sla_classes}

    def row(sla_class: str) -> dict[str, int]:
        return figures.setdefault(sla_class, dict.fromkeys(STAT_KEYS, 0))

    active = select(Ticket.sla_class, func.count()).where(Ticket.status.in_(contract.ACTIVE)).group_by(Ticket.sla_class)
    for sla_class, count in ctx.db.execute(active).all():
        row(sla_class)["active"] = count
    respond_at_risk = (Ticket.respond_alert == contract.EV_AT_RISK) & Ticket.first_response_at.is_(None)
    at_risk_now = respond_at_risk | (Ticket.resolve_alert == contract.EV_AT_RISK)
    risky = active.where(at_risk_now)
    for sla_class, count in ctx.db.execute(risky).all():
        row(sla_class)["at_risk"] = count
    events = (
        select(Ticket.sla_class, TicketEvent.kind, TicketEvent.detail, func.count(func.distinct(Ticket.id)))
        .join(Ticket, TicketEvent.ticket_id == Ticket.id)
        .where(TicketEvent.at >= since, TicketEvent.at < until)
        .where(TicketEvent.kind.in_((contract.EV_CREATED, contract.EV_BREACHED)))
        .group_by(Ticket.sla_class, TicketEvent.kind, TicketEvent.detail)
    )
    for sla_class, kind, detail_name, count in ctx.db.execute(events).all():
        key = "created" if kind == contract.EV_CREATED else f"breached_{detail_name}"
        if key in row(sla_class):
            row(sla_class)[key] += count
    return figures
