/*
 * The 工单 list (GET /api/tickets): the agent's tickets and the unassigned ones (a supervisor:
 * all), nearest deadline first, each with its time left, which ticks every 30 seconds on the
 * times the service gave (no refetch); reloaded when the service says a ticket changed.
 */
import { api, statusOf } from "./api.js";
import { $, clear, el, show } from "./dom.js";
import { asList, assigneeName, customerName } from "./handoffs.js";
import { label, reasonText } from "./labels.js";
import { isTicketOpen, state } from "./state.js";
import { setConnection } from "./status.js";
import { byDeadline, heldByMe, nextDeadline, received, secondsLeft, timeLeftText, unassigned, urgency } from "./tickets.js";

export const TICK_MS = 30000;

export async function refreshTickets() {
  if (!state.loggedIn) { return; }
  const status = state.ticketFilter.status;
  const query = status ? "?status=" + encodeURIComponent(status) : "";  // none: the active ones
  try {
    state.tickets = received(asList(await api("GET", "/api/tickets" + query), "tickets"));
    renderTickets();
    state.ticketLoads += 1;
    document.body.setAttribute("data-tickets-loaded", String(state.ticketLoads));  // a marker for tests
  } catch (error) {
    if (statusOf(error) === 0) { setConnection("offline"); }
  }
}

// Several pushes in a row (a claim moves the list and the ticket) make one reload.
export function refreshTicketsSoon() {
  clearTimeout(state.timers.ticketRefresh);
  state.timers.ticketRefresh = setTimeout(refreshTickets, 300);
}

function inScope(ticket) {
  const scope = state.ticketFilter.scope;
  if (scope === "mine") { return heldByMe(ticket, state.me); }
  if (scope === "unassigned") { return unassigned(ticket); }
  return true;
}

export function renderTickets() {
  const list = $("ticket-list");
  clear(list);
  state.ticketRows = [];
  const shown = byDeadline(state.tickets.filter(inScope), Date.now());
  for (const ticket of shown) { list.appendChild(ticketRow(ticket)); }
  show($("tickets-empty"), shown.length === 0);
  $("tickets-count").textContent = String(shown.length);
  tickTickets();
}

// Calls `open(id)` when the agent picks a ticket (click, Enter or space).
export function onTicketChosen(open) {
  const list = $("ticket-list");
  list.addEventListener("click", (event) => {
    const row = event.target.closest(".ticket");
    if (row) { open(row.getAttribute("data-ticket-id")); }
  });
  list.addEventListener("keydown", (event) => {
    const row = event.target.closest(".ticket");
    if (row && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      open(row.getAttribute("data-ticket-id"));
    }
  });
}

export function markTicketOpen(id) {
  for (const row of $("ticket-list").querySelectorAll(".ticket")) {
    row.classList.toggle("ticket-active", row.getAttribute("data-ticket-id") === String(id));
  }
}

// Time left of every listed ticket (and of the open one): amber when at risk, red when overdue.
export function tickTickets() {
  const now = Date.now();
  for (const row of state.ticketRows) { showTimeLeft(row.el, row.ticket, now); }
  const header = $("ticket-left");
  if (header && state.currentTicket) { showTimeLeft(header, state.currentTicket, now); }
}

export function showTimeLeft(node, ticket, now) {
  const deadline = nextDeadline(ticket);
  const left = secondsLeft(ticket, now);
  node.textContent = deadline ? label("ticket_deadlines", deadline) + "时限 " + timeLeftText(left) : "";  // 「解决时限 剩余 3小时」
  node.setAttribute("data-urgency", urgency(ticket, now));
  const row = node.closest(".ticket");
  if (row) { row.setAttribute("data-urgency", urgency(ticket, now)); }
}

export function slaBadge(ticket) {
  return el("span", { className: "sla-badge sla-" + ticket.sla_class, text: label("sla_classes", ticket.sla_class),
                      title: "服务等级" });
}

export function statusBadge(ticket) {
  return el("span", { className: "ticket-status status-" + ticket.status, text: label("ticket_statuses", ticket.status) });
}

function ticketRow(ticket) {
  const row = el("li", {
    className: "ticket" + (isTicketOpen(ticket.id) ? " ticket-active" : ""),
    "data-ticket-id": ticket.id, "data-status": ticket.status, "data-sla": ticket.sla_class,
    tabindex: "0", role: "button",
  });
  row.appendChild(el("div", { className: "ticket-top" }, [
    el("span", { className: "ticket-number", text: ticket.number || "#" + ticket.id }),
    slaBadge(ticket),
    statusBadge(ticket),
  ]));
  const who = assigneeName(ticket);
  row.appendChild(el("div", { className: "conv-meta" }, [
    el("span", { className: "ticket-customer", text: customerName(ticket) }),
    ticket.reason ? el("span", { className: "conv-reason", text: reasonText(ticket.reason) }) : null,
    el("span", { className: "ticket-assignee", text: who ? "受理：" + who : "未受理" }),
  ]));
  const left = el("div", { className: "ticket-left" });
  row.appendChild(left);
  state.ticketRows.push({ el: left, ticket });
  return row;
}

// The filters: scope (全部 / 我的 / 待受理) and status (进行中, or one status).
export function wireTicketFilters() {
  for (const button of $("ticket-scope").querySelectorAll("button")) {
    button.addEventListener("click", () => {
      state.ticketFilter.scope = button.getAttribute("data-scope");
      for (const other of $("ticket-scope").querySelectorAll("button")) {
        other.setAttribute("aria-pressed", String(other === button));
      }
      renderTickets();
    });
  }
  $("ticket-status-filter").addEventListener("change", (event) => {
    state.ticketFilter.status = event.target.value;
    refreshTickets();
  });
}

// The status choices, in the service's words (after the labels are loaded).
export function fillStatusFilter() {
  const select = $("ticket-status-filter");
  clear(select);
  select.appendChild(el("option", { value: "", text: "进行中" }));
  for (const [code, text] of Object.entries(state.labels.ticket_statuses)) {
    select.appendChild(el("option", { value: code, text }));
  }
  select.value = state.ticketFilter.status;
}
