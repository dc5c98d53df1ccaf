/*
 * Reading what the service returns about tickets (工单, handoff/API.md "Tickets"; the codes
 * are contract/tickets.py's): which deadline comes next, how long is left, how pressing it
 * is, who holds it, and the words for each.
 */
import { formatSpan, time } from "./format.js";
import { assigneeId } from "./handoffs.js";

// A ticket's sub-resource: /api/tickets/<id>/<path>.
export function ticketPath(id, path) {
  return "/api/tickets/" + encodeURIComponent(id) + (path ? "/" + path : "");
}

// Stamps tickets with the moment they were fetched, so that their time left can tick on.
export function received(tickets) {
  const now = Date.now();
  for (const ticket of tickets) { if (ticket) { ticket.fetchedAt = now; } }
  return tickets;
}

// "respond", "resolve", or null when no deadline is running (resolved, closed...).
export function nextDeadline(ticket) {
  if (ticket.next_deadline !== undefined) { return ticket.next_deadline || null; }
  if (["open", "assigned"].includes(ticket.status) && !ticket.answered_at) { return "respond"; }
  return ["open", "assigned", "answered"].includes(ticket.status) ? "resolve" : null;
}

// Seconds until the next deadline at `now` (negative: overdue); null without one. The
// service's own count (`seconds_left`) is used when it gives one: the page's clock may differ.
export function secondsLeft(ticket, now) {
  const deadline = nextDeadline(ticket);
  if (!deadline) { return null; }
  if (typeof ticket.seconds_left === "number" && ticket.fetchedAt) {
    return ticket.seconds_left - (now - ticket.fetchedAt) / 1000;
  }
  const due = time(ticket[deadline + "_by"]);
  return due === null ? null : (due - now) / 1000;
}

// The strongest alert the service raised for a deadline: "at_risk", "breached" or null.
export function alertOf(ticket, deadline) {
  const alerts = ticket.alerts;
  if (alerts && !Array.isArray(alerts) && typeof alerts === "object") { return alerts[deadline] || null; }
  if (Array.isArray(alerts)) {
    const kinds = alerts.filter((a) => a && a.deadline === deadline).map((a) => a.kind);
    return kinds.includes("breached") ? "breached" : kinds.includes("at_risk") ? "at_risk" : null;
  }
  return ticket[deadline + "_alert"] || null;
}

// How pressing the ticket is now: "breached" (overdue), "at_risk", "ok", or "none" (no deadline).
export function urgency(ticket, now) {
  const left = secondsLeft(ticket, now);
  if (left === null) { return "none"; }
  if (left <= 0) { return "breached"; }
  const alert = alertOf(ticket, nextDeadline(ticket));
  return alert === "at_risk" || alert === "breached" ? "at_risk" : "ok";
}

// 「剩余 3小时12分」 or 「已超时 25分钟」; "" without a running deadline.
export function timeLeftText(left) {
  if (left === null) { return ""; }
  if (left > 0) { return "剩余 " + formatSpan(left); }
  return -left < 60 ? "刚刚超时" : "已超时 " + formatSpan(-left);
}

export function ticketAssignee(ticket) { return assigneeId(ticket); }

export function heldByMe(ticket, me) {
  const owner = assigneeId(ticket);
  return owner !== null && owner !== undefined && !!me && String(owner) === String(me.id);
}

export function unassigned(ticket) {
  const owner = assigneeId(ticket);
  return owner === null || owner === undefined;
}

// The handoff a ticket came from (its package and transcript), as the context panel reads it.
export function handoffOf(ticket) {
  if (ticket.handoff && typeof ticket.handoff === "object") { return ticket.handoff; }
  return { id: ticket.handoff_id, channel: ticket.channel, reason: ticket.reason, package: ticket.package || {},
           messages: ticket.transcript || [], created_at: ticket.created_at };
}

// Sorts by the next deadline, nearest (or most overdue) first; tickets without one last.
export function byDeadline(tickets, now) {
  const key = (t) => { const left = secondsLeft(t, now); return left === null ? Infinity : left; };
  return tickets.map((t, i) => ({ t, i, k: key(t) })).sort((a, b) => a.k - b.k || a.i - b.i).map((x) => x.t);
}
