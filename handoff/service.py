"""What the endpoints do: the handoff life cycle BOT → QUEUED → AGENT → BOT | CLOSED.

Endpoints run in worker threads (plain SQLAlchemy sessions); calls to Rasa and pushes to
the consoles are coroutines on the event loop, reached through ``Ctx.run``. State changes
are conditional UPDATEs, so that two agents (or two instances) cannot both win. The state
is written first, Rasa follows; what did not reach Rasa the reconciler (handoff/reconcile.py)
repairs, and queue updates go out from it too, never inside an agent's request.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Callable, Coroutine, Optional, cast

import anyio.from_thread
from sqlalchemy import func, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as DbSession

from contract import delivery, messages
from contract import tickets as ticket_states
from contract.handoff import AGENT, BOT, CLOSED, QUEUED
from privacy import mask_text
from servicekit.clock import Clock, local_time, to_utc
from servicekit.errors import ApiError

from . import limits, queue, sla, texts
from .errors import forbidden, not_found, wrong_state
from .hub import EVERYONE, Audience, Hub
from .models import (
    Agent,
    CannedReply,
    Handoff,
    Message,
    Note,
    Ticket,
    TicketEvent,
    Transfer,
)
from .rasa_client import RasaClient, RasaUnavailable
from .schemas import MAX_TEXT, HandoffPackage, RasaEvent, TranscriptTurn
from .settings import Settings
from .views import handoff_detail, handoff_item, message_view, note_view, ticket_view

log = logging.getLogger("handoff")


@dataclass
class Ctx:
    db: DbSession
    settings: Settings
    clock: Clock
    rasa: RasaClient
    hub: Hub
    # wakes the reconciler (queue updates, repairs) from a worker thread; nothing in a test Ctx
    wake: Callable[[], None] = lambda: None

    def run(self, fn: Callable[..., Coroutine[Any, Any, Any]], *args: Any) -> Any:
        """Runs a coroutine function on the event loop from the worker thread."""
        return anyio.from_thread.run(fn, *args)

    def push(self, event: dict[str, Any], audience: Audience = EVERYONE) -> None:
        self.run(self.hub.publish, event, audience)


# ----- reading -----
def get_handoff(ctx: Ctx, handoff_id: int) -> Handoff:
    handoff = ctx.db.get(Handoff, handoff_id)
    if handoff is None:
        raise not_found()
    return handoff


def can_see(agent: Agent, handoff: Handoff) -> bool:
    """An agent sees a handoff waiting in the queue (to accept it) and the ones assigned to
    them; a supervisor sees all."""
    if agent.role == "supervisor" or handoff.assigned_agent_id == agent.id:
        return True
    return handoff.state == QUEUED and handoff.assigned_agent_id is None


def visible_handoff(ctx: Ctx, agent: Agent, handoff_id: int) -> Handoff:
    """The handoff if ``agent`` may see it; 404 otherwise, exactly as for an id that does not
    exist (an agent learns nothing of other agents' conversations, tickets or ids)."""
    handoff = ctx.db.get(Handoff, handoff_id)
    if handoff is None or not can_see(agent, handoff):
        raise not_found()
    return handoff


def active_handoff(db: DbSession, sender_id: str) -> Optional[Handoff]:
    return db.scalars(
        select(Handoff)
        .where(Handoff.sender_id == sender_id, Handoff.state.in_((QUEUED, AGENT)))
        .order_by(Handoff.id.desc())
    ).first()


def audience_of(handoff: Handoff) -> Audience:
    """A queued conversation concerns every agent; a held one its agent and the supervisors."""
    if handoff.state == QUEUED or handoff.assigned_agent_id is None:
        return EVERYONE
    return Audience.agents([handoff.assigned_agent_id])


def detail(ctx: Ctx, handoff: Handoff) -> dict[str, Any]:
    position = queue.positions(ctx.db).get(handoff.id) if handoff.state == QUEUED else None
    return handoff_detail(handoff, ctx.settings.tz, ctx.clock.now(), position)


def queue_items(ctx: Ctx) -> list[dict[str, Any]]:
    """QUEUED handoffs in serving order, each with its position and ETA."""
    now = ctx.clock.now()
    online = len(queue.online_agent_ids(ctx.db, ctx.settings, now))
    items = []
    for position, handoff in enumerate(queue.queued(ctx.db), start=1):
        item = handoff_item(handoff, ctx.settings.tz, now, position)
        item["eta_minutes"] = queue.eta_minutes(position, online, ctx.settings)
        items.append(item)
    return items


def list_handoffs(ctx: Ctx, agent: Agent, state: Optional[str]) -> list[dict[str, Any]]:
    """The newest 500: an agent's own and the queue; a supervisor's all."""
    query = select(Handoff).order_by(Handoff.id.desc()).limit(500)
    if agent.role != "supervisor":
        query = query.where((Handoff.assigned_agent_id == agent.id) | (Handoff.state == QUEUED))
    if state:
        query = query.where(Handoff.state == state)
    positions = queue.positions(ctx.db)
    now = ctx.clock.now()
    return [handoff_item(h, ctx.settings.tz, now, positions.get(h.id)) for h in ctx.db.scalars(query)]


def canned_replies(ctx: Ctx) -> list[CannedReply]:
    return list(ctx.db.scalars(select(CannedReply).order_by(CannedReply.position, CannedReply.id)))


def agent_statuses(ctx: Ctx, viewer: Agent) -> list[dict[str, Any]]:
    """Active agents, who is online; a supervisor also sees how many conversations each holds."""
    online = queue.online_agent_ids(ctx.db, ctx.settings, ctx.clock.now())
    load = dict(
        ctx.db.execute(
            select(Handoff.assigned_agent_id, func.count())
            .where(Handoff.state == AGENT)
            .group_by(Handoff.assigned_agent_id)
        ).all()
    )
    result = []
    for row in ctx.db.scalars(select(Agent).where(Agent.active.is_(True)).order_by(Agent.id)):
        item: dict[str, Any] = {
            "id": row.id,
            "username": row.username,
            "display_name": row.display_name,
            "role": row.role,
            "online": row.id in online,
        }
        if viewer.role == "supervisor":
            item["active_conversations"] = load.get(row.id, 0)
        result.append(item)
    return result


# ----- what enters the service -----
_UNSTORABLE = re.compile("[\ud800-\udfff]")  # lone surrogates: no database can store them


def storable(text: str) -> str:
    """``text`` as a database stores it: lone surrogates replaced, NUL characters dropped."""
    return _UNSTORABLE.sub("\ufffd", text).replace("\x00", "")


def masked(value: Any) -> Any:
    """Customer data as the service keeps it: every string in ``value`` (dicts and lists
    followed) storable and passed through ``privacy.mask_text``. The action server masks
    too; this is the service's own guarantee for everything it stores or shows."""
    if isinstance(value, str):
        return mask_text(storable(value))
    if isinstance(value, dict):
        return {storable(str(key)): masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [masked(item) for item in value]
    return value


def customer_text(text: str) -> str:
    """A customer's message as stored: cut to MAX_TEXT, then masked."""
    return masked(text[:MAX_TEXT])


# ----- opening -----
def open_ticket_of(db: DbSession, sender_id: str) -> Optional[Ticket]:
    """The sender's active ticket (open, assigned or answered): at most one."""
    return db.scalars(
        select(Ticket).where(Ticket.sender_id == sender_id, Ticket.status.in_(ticket_states.ACTIVE))
    ).first()


def latest_customer_turn(package: HandoffPackage) -> Optional[TranscriptTurn]:
    for turn in reversed(package.transcript):
        if turn.role == "customer" and turn.text.strip():
            return turn
    return None


def open_handoff(ctx: Ctx, package: HandoffPackage) -> tuple[int, dict[str, Any]]:
    """201 with a new queue entry or ticket; 200 with the open handoff of the same sender, or
    (outside business hours) with their open ticket, which gets the customer's latest message
    (unless the request is a retry of the one that opened it: same ``request_id``);
    429 ``rate_limited`` when the sender opened too many lately. Either answer names the
    handoff's stored ``request_id``: a retry after a lost answer recognises its own."""
    existing = active_handoff(ctx.db, package.sender_id)
    if existing is not None:
        return 200, _open_answer(ctx, existing)
    now = ctx.clock.now()
    on_duty = queue.in_business_hours(ctx.settings, now)
    if on_duty and ctx.settings.require_agent_online:
        on_duty = bool(queue.online_agent_ids(ctx.db, ctx.settings, now))
    if not on_duty:
        ticket = open_ticket_of(ctx.db, package.sender_id)
        if ticket is not None:
            if package.request_id and ticket.handoff.request_id == package.request_id:
                return 200, _open_answer(ctx, ticket.handoff)  # a retry: its message is on the ticket already
            return 200, _add_to_open_ticket(ctx, ticket, package)
    wait = limits.sender_open_wait(ctx.db, ctx.settings, package.sender_id, now)
    if wait is not None:
        minutes = max(1, math.ceil(wait / 60))
        raise limits.rate_limited(wait, texts.HANDOFF_RATE_LIMITED.format(minutes=minutes))
    try:
        handoff = _create_handoff(ctx, package, on_duty, now)
    except IntegrityError:
        # the same sender opened one at the same moment (another request, another instance)
        ctx.db.rollback()
        existing = active_handoff(ctx.db, package.sender_id)
        if existing is not None:
            return 200, _open_answer(ctx, existing)
        ticket = open_ticket_of(ctx.db, package.sender_id)
        if ticket is None:
            raise
        return 200, _add_to_open_ticket(ctx, ticket, package)
    if on_duty:
        ctx.push({"type": "queue"})
        ctx.wake()  # positions behind a higher priority moved: updates go out in the background
    return 201, _open_answer(ctx, handoff)


def _create_handoff(ctx: Ctx, package: HandoffPackage, on_duty: bool, now: datetime) -> Handoff:
    handoff = Handoff(
        sender_id=package.sender_id,
        channel=package.channel,
        state=QUEUED if on_duty else CLOSED,
        customer=masked(package.customer.model_dump(mode="json")),
        reason=package.reason,
        trigger=masked(package.trigger),
        priority=package.priority,
        summary=masked(package.summary),
        package={"slots": masked(package.slots), "orders": masked(package.orders)},
        created_at=now,
        queued_at=now if on_duty else None,
        request_id=package.request_id,
    )
    ctx.db.add(handoff)
    for turn in package.transcript:
        handoff.messages.append(
            Message(
                role=turn.role,
                text=customer_text(turn.text),
                intent=turn.intent,
                confidence=turn.confidence,
                message_id=turn.message_id,
                sentiment=turn.sentiment.model_dump() if turn.sentiment else None,
                at=to_utc(turn.at) if turn.at else now,
            )
        )
    if on_duty:
        handoff.messages.append(Message(role="system", text=texts.SYSTEM_QUEUED, at=now))
        ctx.db.flush()
        # The action server tells the customer this position; later changes go out as updates.
        handoff.notified_position = queue.positions(ctx.db)[handoff.id]
    else:
        _open_ticket(ctx, handoff, now)
    ctx.db.commit()
    return handoff


def _add_to_open_ticket(ctx: Ctx, ticket: Ticket, package: HandoffPackage) -> dict[str, Any]:
    """A repeated request outside business hours: the customer's words go onto their ticket
    (an answered one goes back to work, handoff/tickets.py)."""
    from . import tickets  # the ticket life cycle builds on this module

    turn = latest_customer_turn(package)
    if turn is not None:
        tickets.add_customer_message(ctx, ticket, turn.text, turn.message_id)
    return _open_answer(ctx, ticket.handoff)


def _open_ticket(ctx: Ctx, handoff: Handoff, now: datetime) -> Ticket:
    sla_class = ctx.settings.sla_class_for(handoff.reason)
    respond_by, resolve_by = sla.deadlines(sla_class, now, ctx.settings)
    ticket = Ticket(
        sla_class=sla_class,
        sender_id=handoff.sender_id,
        created_at=now,
        respond_by=respond_by,
        resolve_by=resolve_by,
        status=ticket_states.OPEN,
        updated_at=now,
    )
    handoff.ticket = ticket
    ctx.db.flush()
    ticket.number = f"GD{local_time(now, ctx.settings.tz):%Y%m%d}{ticket.id:06d}"
    ctx.db.add(TicketEvent(ticket_id=ticket.id, kind=ticket_states.EV_CREATED, at=now))
    handoff.messages.append(Message(role="system", text=texts.SYSTEM_TICKET.format(number=ticket.number), at=now))
    return ticket


def _open_answer(ctx: Ctx, handoff: Handoff) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "id": handoff.id,
        "state": handoff.state,
        "on_duty": handoff.ticket is None,
        "queue_position": None,
        "eta_minutes": None,
        "ticket": None,
        "request_id": handoff.request_id,
    }
    if handoff.state == QUEUED:
        position = queue.positions(ctx.db)[handoff.id]
        online = queue.online_agent_ids(ctx.db, ctx.settings, ctx.clock.now())
        eta = queue.eta_minutes(position, len(online), ctx.settings)
        answer.update(queue_position=position, eta_minutes=eta, queue_message=texts.queue_text(position, eta))
    if handoff.ticket is not None:
        ticket = ticket_view(handoff.ticket, ctx.settings.tz)
        answer["ticket"] = {k: ticket[k] for k in ("id", "number", "sla_class", "respond_by", "resolve_by")}
        answer["business_hours"] = ctx.settings.business_hours  # for the customer: when people are there
    return answer


def notify_queue(ctx: Ctx) -> None:
    """Tells every waiting customer whose position changed their new position and ETA. Run by
    the reconciler (its own session), never inside an agent's request."""
    online = len(queue.online_agent_ids(ctx.db, ctx.settings, ctx.clock.now()))
    for position, handoff in enumerate(queue.queued(ctx.db), start=1):
        if handoff.notified_position == position:
            continue
        eta = queue.eta_minutes(position, online, ctx.settings)
        try:
            ctx.run(ctx.rasa.send_queue_update, handoff.sender_id, position, eta)
        except RasaUnavailable as exc:
            if exc.reason == delivery.RASA_UNAVAILABLE:
                return  # Rasa away: the next round tries again
            # the channel refused this one update: not worth retrying, the next change is told
        handoff.notified_position = position
        ctx.db.commit()


# ----- the broker's events -----
# Clock skew between Rasa (the event's timestamp) and the service (a handoff's times)
# that still counts an event as written while the handoff was open.
_EVENT_CLOCK_SKEW = timedelta(seconds=5)


def _handoff_at(db: DbSession, sender_id: str, at: Optional[datetime]) -> Optional[Handoff]:
    """The handoff that was open for the sender when the event was written: created by
    then and not yet ended (or still open), one a queue or an agent held (a ticket never
    was). An event relayed late (the service was away) lands where it belongs, even if an
    agent has ended that handoff since. Without a time: the open one."""
    if at is None:
        return active_handoff(db, sender_id)
    was_open = or_(
        Handoff.state.in_((QUEUED, AGENT)),
        Handoff.queued_at.is_not(None) & Handoff.ended_at.is_not(None) & (Handoff.ended_at >= at - _EVENT_CLOCK_SKEW),
    )
    return db.scalars(
        select(Handoff)
        .where(Handoff.sender_id == sender_id, Handoff.created_at <= at + _EVENT_CLOCK_SKEW, was_open)
        .order_by(Handoff.id.desc())
    ).first()


def _stored_already(db: DbSession, handoff: Handoff, message_id: Optional[str]) -> bool:
    if not message_id:
        return False
    found = db.scalar(select(Message.id).where(Message.handoff_id == handoff.id, Message.message_id == message_id))
    return found is not None


def store_rasa_event(ctx: Ctx, event: RasaEvent) -> bool:
    """Stores customer and bot messages of conversations in QUEUED or AGENT (at the
    event's time); True if stored. A message_id is stored once per handoff: the broker
    delivers at least once (again after a lost acknowledgement), the check and the
    database's unique index make that exactly once."""
    if event.event not in ("user", "bot"):
        return False
    custom = (event.data or {}).get("custom") or {}
    if event.event == "bot" and messages.is_agent_message(custom):
        return False  # an agent's reply coming back from Rasa: stored when it was sent
    text = event.text or (custom.get("text") if isinstance(custom, dict) else None)
    if not text or not isinstance(text, str):
        return False
    at = datetime.fromtimestamp(event.timestamp, UTC).replace(tzinfo=None) if event.timestamp else None
    handoff = _handoff_at(ctx.db, event.sender_id, at)
    if handoff is None:
        return False
    raw_id = getattr(event, "message_id", None)
    message_id = str(raw_id)[:64] if raw_id else None
    if _stored_already(ctx.db, handoff, message_id):
        return False  # the message that tripped the handoff (the package brought it), or a redelivery
    message = Message(
        handoff_id=handoff.id,
        role="customer" if event.event == "user" else "bot",
        text=customer_text(text),
        at=at or ctx.clock.now(),
        message_id=message_id,
    )
    if event.event == "user":
        parse = event.parse_data or {}
        intent = parse.get("intent") or {}
        message.intent = intent.get("name")
        message.confidence = intent.get("confidence")
        sentiment = parse.get("sentiment")
        message.sentiment = sentiment if isinstance(sentiment, dict) else None
    ctx.db.add(message)
    try:
        ctx.db.commit()
    except IntegrityError:  # the same message_id stored at the same moment (another delivery, instance)
        ctx.db.rollback()
        return False
    ctx.push(
        {"type": "message", "handoff_id": handoff.id, "message": message_view(message, ctx.settings.tz)},
        audience_of(handoff),
    )
    return True


# ----- an agent's actions -----
def _require_holder(agent: Agent, handoff: Handoff, supervisor_too: bool) -> None:
    if handoff.state != AGENT:
        raise wrong_state(handoff.state, AGENT)
    if handoff.assigned_agent_id == agent.id or (supervisor_too and agent.role == "supervisor"):
        return
    raise forbidden("only the assigned agent" + (" or a supervisor" if supervisor_too else "") + " may do this")


def _change_state(ctx: Ctx, handoff: Handoff, expected: str, **values: Any) -> None:
    """UPDATE … WHERE state = expected: 409 when someone else changed it first."""
    result = ctx.db.execute(
        update(Handoff)
        .where(Handoff.id == handoff.id, Handoff.state == expected)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if cast("CursorResult[Any]", result).rowcount != 1:
        ctx.db.rollback()
        ctx.db.refresh(handoff)
        raise wrong_state(handoff.state, expected)
    ctx.db.refresh(handoff)


def accept(ctx: Ctx, agent: Agent, handoff_id: int) -> dict[str, Any]:
    # One another agent took first is no longer the caller's to see: 404 like any other id;
    # two agents accepting at the same moment: the loser's conditional UPDATE answers 409.
    handoff = visible_handoff(ctx, agent, handoff_id)
    now = ctx.clock.now()
    _change_state(ctx, handoff, QUEUED, state=AGENT, assigned_agent_id=agent.id, accepted_at=now)
    handoff.messages.append(Message(role="system", text=texts.SYSTEM_ACCEPTED.format(agent=agent.display_name), at=now))
    ctx.db.commit()
    ctx.push({"type": "handoff", "handoff_id": handoff.id, "state": handoff.state}, audience_of(handoff))
    ctx.push({"type": "queue"})
    ctx.wake()  # the others moved up: their updates go out in the background
    return detail(ctx, handoff)


def send_reply(ctx: Ctx, agent: Agent, handoff_id: int, text: str) -> dict[str, Any]:
    """Stored first (pending), then given to Rasa: delivered, or not delivered with the reason."""
    handoff = visible_handoff(ctx, agent, handoff_id)
    _require_holder(agent, handoff, supervisor_too=False)
    text = storable(text)  # as written, masked nowhere: the agent's own words
    message = Message(role="agent", text=text, agent_name=agent.display_name, at=ctx.clock.now())
    handoff.messages.append(message)
    return _deliver(ctx, handoff, message)


def resend(ctx: Ctx, agent: Agent, handoff_id: int, message_id: int) -> dict[str, Any]:
    """An agent's reply that was not delivered, given to Rasa again (the checks of a reply)."""
    handoff = visible_handoff(ctx, agent, handoff_id)
    _require_holder(agent, handoff, supervisor_too=False)
    message = ctx.db.get(Message, message_id)
    if message is None or message.handoff_id != handoff.id or message.role != "agent":
        raise not_found("message")
    if message.delivery != delivery.NOT_DELIVERED:
        raise ApiError(
            409, "wrong_delivery", "only a message not delivered can be sent again", delivery=message.delivery
        )
    return _deliver(ctx, handoff, message)


def _deliver(ctx: Ctx, handoff: Handoff, message: Message) -> dict[str, Any]:
    message.delivery, message.delivery_reason = delivery.PENDING, None
    ctx.db.commit()
    _push_message(ctx, handoff, message)
    try:
        ctx.run(ctx.rasa.send_agent_reply, handoff.sender_id, message.text, message.agent_name or "")
    except RasaUnavailable as exc:
        message.delivery, message.delivery_reason = delivery.NOT_DELIVERED, exc.reason
    else:
        message.delivery = delivery.DELIVERED
    ctx.db.commit()
    return _push_message(ctx, handoff, message)


def _push_message(ctx: Ctx, handoff: Handoff, message: Message) -> dict[str, Any]:
    """The message to the consoles (again when its delivery changes: same id, newer state)."""
    view = message_view(message, ctx.settings.tz)
    ctx.push({"type": "message", "handoff_id": handoff.id, "message": view}, audience_of(handoff))
    return view


def add_note(ctx: Ctx, agent: Agent, handoff_id: int, text: str) -> dict[str, Any]:
    handoff = visible_handoff(ctx, agent, handoff_id)
    if handoff.assigned_agent_id != agent.id and agent.role != "supervisor":
        raise forbidden("only the assigned agent or a supervisor may add notes")
    note = Note(handoff_id=handoff.id, agent_id=agent.id, text=storable(text), created_at=ctx.clock.now())
    ctx.db.add(note)
    ctx.db.commit()
    return note_view(note, ctx.settings.tz)


def transfer(ctx: Ctx, agent: Agent, handoff_id: int, to_agent_id: int) -> dict[str, Any]:
    handoff = visible_handoff(ctx, agent, handoff_id)
    _require_holder(agent, handoff, supervisor_too=True)
    target = ctx.db.get(Agent, to_agent_id)
    if target is None or not target.active:
        raise ApiError(422, "unknown_agent", "no active agent with this id")
    if target.id == handoff.assigned_agent_id:
        raise ApiError(422, "same_agent", "the handoff is already assigned to this agent")
    previous = handoff.assigned_agent
    now = ctx.clock.now()
    _change_state(ctx, handoff, AGENT, assigned_agent_id=target.id)
    ctx.db.add(
        Transfer(
            handoff_id=handoff.id,
            from_agent_id=previous.id if previous else None,
            to_agent_id=target.id,
            by_agent_id=agent.id,
            created_at=now,
        )
    )
    handoff.messages.append(
        Message(
            role="system",
            at=now,
            text=texts.SYSTEM_TRANSFERRED.format(
                from_agent=previous.display_name if previous else "", to_agent=target.display_name
            ),
        )
    )
    ctx.db.commit()
    ctx.push({"type": "assigned", "handoff_id": handoff.id}, Audience.agents([target.id], supervisors=False))
    # the previous holder is told it left them (they knew of it); nobody else hears of it
    holders = Audience.agents([target.id, previous.id if previous else None])
    ctx.push({"type": "handoff", "handoff_id": handoff.id, "state": handoff.state}, holders)
    return detail(ctx, handoff)


def end(ctx: Ctx, agent: Agent, handoff_id: int, disposition: Optional[str]) -> dict[str, Any]:
    """Return to the bot (disposition None) or close; either way the customer is asked to rate."""
    handoff = visible_handoff(ctx, agent, handoff_id)
    _require_holder(agent, handoff, supervisor_too=True)
    now = ctx.clock.now()
    new_state = BOT if disposition is None else CLOSED
    # The state first (the service is the source of truth), Rasa after: see API.md, "Order of writes".
    values = dict(state=new_state, ended_at=now, disposition=disposition, rasa_synced=False)
    _change_state(ctx, handoff, AGENT, **values)
    text = (
        texts.SYSTEM_RETURNED.format(agent=agent.display_name)
        if disposition is None
        else texts.SYSTEM_CLOSED.format(agent=agent.display_name, disposition=texts.DISPOSITIONS[disposition])
    )
    handoff.messages.append(Message(role="system", text=text, at=now))
    ctx.db.commit()
    ctx.push({"type": "handoff", "handoff_id": handoff.id, "state": handoff.state}, audience_of(handoff))
    try:
        ctx.run(ctx.rasa.resume_with_survey, handoff.sender_id, handoff.id)
    except RasaUnavailable:
        log.warning("handoff %s ended; Rasa's resume follows from the reconciler", handoff.id)
    else:
        handoff.rasa_synced = True
        ctx.db.commit()
    return detail(ctx, handoff)


# ----- the customer's side (service key) -----
def rate(ctx: Ctx, handoff_id: int, rating: int) -> dict[str, Any]:
    handoff = get_handoff(ctx, handoff_id)
    if handoff.ended_at is None:
        raise ApiError(409, "not_ended", "the handoff was never returned or closed", state=handoff.state)
    handoff.rating, handoff.rated_at = rating, ctx.clock.now()
    ctx.db.commit()
    return {"id": handoff.id, "rating": handoff.rating}


def change_sla_class(ctx: Ctx, ticket_id: int, sla_class: str) -> dict[str, Any]:
    ticket = ctx.db.get(Ticket, ticket_id)
    if ticket is None:
        raise not_found("ticket")
    if sla_class not in ctx.settings.sla_classes:
        raise ApiError(422, "unknown_sla_class", f"SLA classes: {', '.join(ctx.settings.sla_classes)}")
    ticket.sla_class = sla_class
    ticket.respond_by, ticket.resolve_by = sla.deadlines(sla_class, ticket.created_at, ctx.settings)
    ctx.db.commit()
    return ticket_view(ticket, ctx.settings.tz)
