/*
 * Reading what the service returns about tickets (工单, handoff/API.md "Tickets"; the codes
 * are contract/tickets.py's): which deadline comes next, how long is left, how pressing it
 * is, who holds it, and the words for each.
 */
import { formatSpan } from "./format.js";
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
export function nextDeadline(ticket) { return ticket.next_deadline || null; }

// Seconds until the next deadline at `now` (negative: overdue); null without one. Counted
// from the service's own `seconds_left`, not from the deadline: the page's clock may differ.
export function secondsLeft(ticket, now) {
  if (!nextDeadline(ticket) || typeof ticket.seconds_left !== "number") { return null; }
  return ticket.seconds_left - (now - (ticket.fetchedAt || now)) / 1000;
}

// How pressing the ticket is now: "breached" (overdue), "at_risk" (the service's alert),
// "ok", or "none" (no deadline running).
export function urgency(ticket, now) {
  const left = secondsLeft(ticket, now);
  if (left === null) { return "none"; }
  if (left <= 0) { return "breached"; }
  const alert = ticket[nextDeadline(ticket) + "_alert"];  // respond_alert / resolve_alert
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

// Sorts by the next deadline, nearest (or most overdue) first; tickets without one last.
export function byDeadline(tickets, now) {
  const key = (t) => { const left = secondsLeft(t, now); return left === null ? Infinity : left; };
  return tickets.map((t, i) => ({ t, i, k: key(t) })).sort((a, b) => a.k - b.k || a.i - b.i).map((x) => x.t);
}
