/*
 * The two views of the console, 会话 (queue and conversations) and 工单 (tickets), behind
 * tabs; and the ticket alerts (websocket ticket_alert): a toast, and a count on the 工单
 * tab of the tickets alerted since the agent last looked at it.
 */
import { renderContext, renderNotes } from "./context.js";
import { openHandoff } from "./conversation.js";
import { $, all, clear, el, show } from "./dom.js";
import { ALERT_WORDS, label } from "./labels.js";
import { openTicket } from "./ticket-detail.js";
import { refreshTickets, refreshTicketsSoon } from "./ticket-list.js";
import { state } from "./state.js";

const TOAST_MS = 15000;
const MAX_TOASTS = 4;

export function showView(view) {
  state.view = view;
  document.body.setAttribute("data-view", view);
  for (const tab of all(".view-tab")) {
    const selected = tab.getAttribute("data-view") === view;
    tab.setAttribute("aria-selected", String(selected));
    tab.tabIndex = selected ? 0 : -1;
  }
  const tickets = view === "tickets";
  show($("conversations-side"), !tickets);
  show($("chat"), !tickets);
  show($("tickets-side"), tickets);
  show($("ticket-pane"), tickets);
  // the context panel shows what came with the open conversation or with the open ticket
  if (tickets) { state.alertedTickets.clear(); }
  showBadge();
  if (tickets) {
    refreshTickets();
    if (state.currentTicket) { renderContext(state.currentTicket.handoff || {}); }
    show($("context"), !!state.currentTicket);
  } else if (state.current) {
    renderContext(state.current);
    renderNotes(state.current.notes || []);
    show($("context"), true);
    openHandoff(state.currentId, true);  // catch up with what happened meanwhile
  } else {
    show($("context"), false);
  }
}

export function wireViews() {
  for (const tab of all(".view-tab")) {
    tab.addEventListener("click", () => showView(tab.getAttribute("data-view")));
  }
  $("view-tabs").addEventListener("keydown", (event) => {
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") { return; }
    const next = state.view === "tickets" ? "conversations" : "tickets";
    showView(next);
    document.querySelector('.view-tab[data-view="' + next + '"]').focus();
  });
  $("toasts").addEventListener("click", (event) => {
    const toast = event.target.closest(".toast");
    if (!toast) { return; }
    toast.remove();
    if (event.target.closest(".toast-close")) { return; }
    showView("tickets");
    openTicket(toast.getAttribute("data-ticket-id"));
  });
}

function showBadge() {
  const badge = $("tickets-badge");
  badge.textContent = String(state.alertedTickets.size);
  show(badge, state.alertedTickets.size > 0);
}

// {"type": "ticket_alert", "kind": at_risk|breached, "deadline": respond|resolve, "ticket": {...}}
export function onTicketAlert(data) {
  const ticket = data.ticket || {};
  const id = ticket.id !== undefined ? ticket.id : data.ticket_id;
  const number = ticket.number || (id !== undefined ? "#" + id : "");
  const text = "工单 " + number + " " + label("ticket_deadlines", data.deadline) + (ALERT_WORDS[data.kind] || "");
  if (state.view !== "tickets" && id !== undefined) { state.alertedTickets.add(String(id)); }
  showBadge();
  toast(text, data.kind, id);
  refreshTicketsSoon();
}

function toast(text, kind, ticketId) {
  const box = $("toasts");
  while (box.children.length >= MAX_TOASTS) { box.removeChild(box.firstChild); }
  const item = el("div", { className: "toast", role: "alert", "data-kind": kind || "info",
                           "data-ticket-id": ticketId, title: "查看工单" }, [
    el("span", { className: "toast-text", text }),
    el("button", { type: "button", className: "toast-close btn btn-link", "aria-label": "关闭提示", text: "×" }),
  ]);
  box.appendChild(item);
  setTimeout(() => item.remove(), TOAST_MS);
}

export function clearToasts() { clear($("toasts")); }
