/*
 * The open ticket (GET /api/tickets/{id}): its header with deadlines and time left, the
 * customer's messages and the agents' answers with how each reached the customer, the
 * timeline of what happened, the handoff it came from (in the context panel, as a
 * conversation's), and what an agent does with it: 受理, 答复, 标记已解决, 关闭, 重新打开,
 * and for supervisors 指派给….
 */
import { api, statusOf } from "./api.js";
import { renderContext } from "./context.js";
import { $, all, clear, el, show } from "./dom.js";
import { formatDateTime, str } from "./format.js";
import { asList, assigneeName, customerName, roleOf } from "./handoffs.js";
import { MSG, label } from "./labels.js";
import { markTicketOpen, refreshTickets, showTimeLeft, slaBadge, statusBadge } from "./ticket-list.js";
import { heldByMe, received, ticketAssignee, ticketPath, unassigned } from "./tickets.js";
import { isSupervisor, isTicketOpen, state } from "./state.js";
import { notify } from "./status.js";

const ANSWERABLE = ["assigned", "answered"];
const WORKING = ["open", "assigned", "answered"];
const FINISHED = ["resolved", "closed"];

// --- opening and closing -------------------------------------------------------------------

// Shows ticket `id`; `quiet`: a reload, whose failures the agent need not hear about.
export async function openTicket(id, quiet) {
  const switching = !isTicketOpen(id);
  state.currentTicketId = id;
  markTicketOpen(id);
  try {
    const ticket = await api("GET", ticketPath(id));
    if (!isTicketOpen(id)) { return; }  // the agent clicked elsewhere meanwhile
    renderTicket(received([ticket])[0], switching);
  } catch (error) {
    if (statusOf(error) === 404 && isTicketOpen(id)) {
      // another agent claimed it, or a supervisor gave it to someone else, while it was open
      closeTicket();
      if (quiet) { notify(MSG.ticketNotFound, "info"); }
    }
    if (!quiet) { ticketError(error); }
  }
}

export function closeTicket() {
  state.currentTicket = null;
  state.currentTicketId = null;
  show($("ticket-main"), false);
  show($("ticket-placeholder"), true);
  if (state.view === "tickets") { show($("context"), false); }
}

function renderTicket(ticket, switching) {
  state.currentTicket = ticket;
  show($("ticket-placeholder"), false);
  show($("ticket-main"), true);
  const main = $("ticket-main");
  main.setAttribute("data-ticket-id", ticket.id);
  main.setAttribute("data-status", ticket.status);
  $("ticket-number").textContent = "工单 " + (ticket.number || "#" + ticket.id);
  const badges = $("ticket-badges");
  clear(badges);
  badges.appendChild(slaBadge(ticket));
  badges.appendChild(statusBadge(ticket));
  const handoff = ticket.handoff || {};  // the handoff it came from: package, transcript
  $("ticket-customer").textContent = customerName(ticket);
  const who = assigneeName(ticket);
  $("ticket-assignee").textContent = who ? "受理客服：" + who : "尚未受理";
  renderDeadlines(ticket);
  if (switching) {
    $("ticket-answer").value = "";
    show($("ticket-assign-panel"), false);
  }
  renderTicketMessages(asList(ticket.messages, "messages"));
  renderTimeline(asList(ticket.events, "events"));
  if (state.view === "tickets") {
    renderContext(handoff);
    show($("context"), true);
  }
  updateTicketActions();
}

function renderDeadlines(ticket) {
  showTimeLeft($("ticket-left"), ticket, Date.now());
  const due = $("ticket-due");
  clear(due);
  for (const deadline of ["respond", "resolve"]) {
    const at = ticket[deadline + "_by"];
    if (at) {
      due.appendChild(el("span", { className: "ticket-due-" + deadline,
                                   text: label("ticket_deadlines", deadline) + "截止 " + formatDateTime(at) }));
    }
  }
}

// --- messages and how each answer reached the customer ------------------------------------

function renderTicketMessages(messages) {
  const list = $("ticket-messages");
  clear(list);
  for (const message of messages) {
    const role = roleOf(message);
    const who = role === "agent" ? (message.agent_name ? "客服 " + message.agent_name : "客服")
      : role === "customer" ? "客户" : label("roles", role);
    list.appendChild(el("li", { className: "msg msg-" + role, "data-role": role, "data-message-id": message.id,
                                "data-delivery": message.delivery, "data-via": message.delivered_via }, [
      el("div", { className: "msg-head" }, [
        el("span", { className: "msg-who", text: who }),
        el("time", { className: "msg-time", text: formatDateTime(message.at) }),
      ]),
      el("div", { className: "msg-text", text: str(message.text) }),
      role === "agent" ? deliveryMark(message) : null,
    ]));
  }
  if (!messages.length) { list.appendChild(el("li", { className: "empty", text: "客户尚未留言" })); }
  list.scrollTop = list.scrollHeight;
}

// 「已送达 · 微信客服消息」, 「客户下次发言时送达」, 「未送达：…」, 「发送中…」. The service offers no
// resend of a ticket's answer: the agent answers again (the ticket keeps its status meanwhile).
function deliveryMark(message) {
  const via = message.delivered_via;
  if (message.delivery === "not_delivered") {
    return el("div", { className: "msg-delivery msg-not-delivered" }, [
      el("span", { className: "msg-delivery-reason", text: MSG.notDelivered + label("delivery_reasons", message.delivery_reason) }),
    ]);
  }
  if (via === "next_contact") {
    return el("div", { className: "msg-delivery msg-next-contact", text: label("delivered_via", via) });
  }
  if (message.delivery === "delivered") {
    return el("div", { className: "msg-delivery msg-delivered",
                       text: MSG.delivered + (via ? " · " + label("delivered_via", via) : "") });
  }
  if (message.delivery === "pending") { return el("div", { className: "msg-delivery msg-pending", text: MSG.sending }); }
  return null;
}

// --- the timeline --------------------------------------------------------------------------

function renderTimeline(events) {
  const list = $("ticket-events");
  clear(list);
  for (const event of events) {
    const kind = event.kind;
    // an alert's detail names its deadline: 「首次响应即将超时」
    const alert = kind === "at_risk" || kind === "breached";
    const what = (alert && event.detail ? label("ticket_deadlines", event.detail) : "") + label("ticket_events", kind);
    const by = event.agent_name || "";
    const detail = !alert && event.detail ? state.labels.ticket_event_details[event.detail] || "" : "";
    list.appendChild(el("li", { className: "event event-" + str(kind), "data-event": kind }, [
      el("time", { className: "event-time", text: formatDateTime(event.at) }),
      el("span", { className: "event-what", text: what }),
      by ? el("span", { className: "event-by", text: by }) : null,
      detail ? el("span", { className: "event-detail", text: detail }) : null,
    ]));
  }
  if (!events.length) { list.appendChild(el("li", { className: "empty", text: "暂无记录" })); }
}

// --- actions -------------------------------------------------------------------------------

function updateTicketActions() {
  const ticket = state.currentTicket;
  const status = ticket ? ticket.status : null;
  const mine = !!ticket && heldByMe(ticket, state.me);
  const manage = mine || isSupervisor();
  show($("ticket-claim"), WORKING.includes(status) && unassigned(ticket));
  show($("ticket-assign"), isSupervisor() && WORKING.includes(status));
  show($("ticket-resolve"), manage && ANSWERABLE.includes(status));
  show($("ticket-close"), manage && (WORKING.includes(status) || status === "resolved"));
  show($("ticket-reopen"), manage && FINISHED.includes(status));
  if (!isSupervisor()) { show($("ticket-assign-panel"), false); }
  const canAnswer = manage && ANSWERABLE.includes(status);  // a supervisor may answer any ticket (API.md)
  $("ticket-answer").disabled = !canAnswer;
  $("ticket-send").disabled = !canAnswer;
  let hint = "Ctrl+Enter 发送";
  if (status === "open") { hint = "受理工单后即可答复客户"; }
  else if (ANSWERABLE.includes(status) && !mine) { hint = isSupervisor() ? "该工单由其他客服处理，主管也可直接答复" : "该工单由其他客服处理"; }
  else if (FINISHED.includes(status)) { hint = label("ticket_statuses", status) + "，重新打开后可继续答复"; }
  else if (status && !WORKING.includes(status)) { hint = label("ticket_statuses", status); }
  $("ticket-hint").textContent = hint;
}

function setTicketButtonsDisabled(disabled) {
  for (const button of all("#ticket-main .chat-actions button, #ticket-assign-panel button")) { button.disabled = disabled; }
}

// POSTs /api/tickets/<id>/<path>; `done`: the notice on success.
async function ticketAct(path, body, done) {
  if (!state.currentTicket) { return false; }
  const id = state.currentTicket.id;
  setTicketButtonsDisabled(true);
  let ok = false;
  try {
    await api("POST", ticketPath(id, path), body);
    notify(done, "info");
    ok = true;
  } catch (error) {
    ticketError(error, path);
  }
  await Promise.all([isTicketOpen(id) ? openTicket(id, true) : null, refreshTickets()]);
  setTicketButtonsDisabled(false);
  updateTicketActions();
  return ok;
}

// The service's own words for an agent, when it gave some (ticket endpoints answer in Chinese).
function serviceWords(error) {
  const message = error && error.body && error.body.error && error.body.error.message;
  return typeof message === "string" && /[\u4e00-\u9fff]/.test(message) ? message : "";
}

// Turns a failed call into a polite message (a 401 has already sent the agent to the login form).
function ticketError(error, context) {
  const status = statusOf(error);
  if (status === 401) { return; }
  if ((status === 409 || status === 403 || status === 422) && serviceWords(error)) {
    notify(serviceWords(error), "error");
    return;
  }
  if (status === 409) { notify(context === "claim" ? MSG.ticketTaken : MSG.ticketConflict, "error"); return; }
  if (status === 404) { notify(context === "claim" ? MSG.ticketTaken : MSG.ticketNotFound, "error"); return; }
  if (status === 403) { notify(MSG.forbidden, "error"); return; }
  if (status === 0) { notify(MSG.network, "error"); return; }
  if (status === 502) { notify(MSG.rasaDown, "error"); return; }
  if (status >= 500) { notify(MSG.server, "error"); return; }
  if (window.console && !(status === 422 || status === 400)) { window.console.error(error); }
  notify(MSG.generic, "error");
}

async function sendAnswer() {
  const box = $("ticket-answer");
  const text = box.value.trim();
  if (!state.currentTicket || box.disabled) { return; }
  if (!text) { notify(MSG.empty, "info"); return; }
  box.value = "";  // at once, so that a second Ctrl+Enter does not send it twice; restored on failure
  const sent = await ticketAct("answer", { text }, MSG.ticketAnswered);
  if (!sent && !box.value) { box.value = text; }
  box.focus();
}

function onAnswerKey(event) {
  // Ctrl+Enter (⌘+Enter) sends; Enter alone breaks the line; never while an IME is composing.
  if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey) || event.isComposing || event.keyCode === 229) { return; }
  event.preventDefault();
  sendAnswer();
}

async function openAssign() {
  const select = $("ticket-assign-agent");
  clear(select);
  let data;
  try { data = await api("GET", "/api/agents"); } catch (error) { ticketError(error); return; }
  const holder = state.currentTicket ? String(ticketAssignee(state.currentTicket)) : "";
  for (const agent of asList(data, "agents")) {
    if (agent.role === "supervisor" || String(agent.id) === holder) { continue; }
    const load = agent.active_conversations !== undefined && agent.active_conversations !== null
      ? "，进行中 " + agent.active_conversations : "";
    select.appendChild(el("option", { value: agent.id, "data-username": agent.username,
      text: (agent.display_name || agent.username) + (agent.online ? "（在线" : "（离线") + load + "）" }));
  }
  if (!select.options.length) { notify(MSG.noAgents, "info"); return; }
  show($("ticket-assign-panel"), true);
  select.focus();
}

function confirmAssign() {
  const value = $("ticket-assign-agent").value;
  if (!value) { return; }
  const numeric = Number(value);
  ticketAct("assign", { agent_id: isFinite(numeric) && String(numeric) === value ? numeric : value }, MSG.ticketAssigned)
    .then((ok) => { if (ok) { show($("ticket-assign-panel"), false); } });
}

// Connects the ticket pane's controls.
export function wireTicketDetail() {
  $("ticket-answer").addEventListener("keydown", onAnswerKey);
  $("ticket-send").addEventListener("click", sendAnswer);
  $("ticket-claim").addEventListener("click", () => ticketAct("claim", undefined, MSG.ticketClaimed));
  $("ticket-resolve").addEventListener("click", () => ticketAct("resolve", undefined, MSG.ticketResolved));
  $("ticket-close").addEventListener("click", () => ticketAct("close", undefined, MSG.ticketClosed));
  $("ticket-reopen").addEventListener("click", () => ticketAct("reopen", undefined, MSG.ticketReopened));
  $("ticket-assign").addEventListener("click", openAssign);
  $("ticket-assign-cancel").addEventListener("click", () => show($("ticket-assign-panel"), false));
  $("ticket-assign-confirm").addEventListener("click", confirmAssign);
}
