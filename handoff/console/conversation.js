/*
 * The open conversation: its header and state, the chat, the composer with canned replies,
 * and what an agent does with it (accept, reply, note, transfer, return to the bot, close).
 */
import { ApiError, api, handoffPath, statusOf } from "./api.js";
import { $, all, clear, el, show } from "./dom.js";
import { formatTime, isBefore, str, time } from "./format.js";
import { asList, assigneeId, assigneeName, handoffStart, heldBy, packageOf, roleOf } from "./handoffs.js";
import { MSG, label } from "./labels.js";
import { markOpen, refreshLists } from "./lists.js";
import { noteRow, readings, renderContext, renderNotes, renderSentiment } from "./context.js";
import { isOpen, isSupervisor, state } from "./state.js";
import { notify } from "./status.js";

// --- opening and closing ---------------------------------------------------------------------

// Shows conversation `id`; `quiet`: a reload, whose failures the agent need not hear about.
export async function openHandoff(id, quiet) {
  const switching = !isOpen(id);
  state.currentId = id;
  markOpen(id);
  try {
    const handoff = await api("GET", handoffPath(id));
    if (!isOpen(id)) { return; }  // the agent clicked elsewhere meanwhile
    renderHandoff(handoff, switching);
  } catch (error) {
    if (statusOf(error) === 404 && isOpen(id)) { closeConversation(); }
    if (!quiet || !(error instanceof ApiError)) { handleError(error); }
  }
}

export function closeConversation() {
  state.current = null;
  state.currentId = null;
  state.seenMessages = {};
  show($("chat-main"), false);
  show($("chat-placeholder"), true);
  show($("context"), false);
}

function renderHandoff(handoff, switching) {
  state.current = handoff;
  const pkg = packageOf(handoff);
  const customer = pkg.customer || {};
  show($("chat-placeholder"), false);
  show($("chat-main"), true);
  show($("context"), true);
  $("chat-main").setAttribute("data-handoff-id", handoff.id);
  $("chat-customer").textContent = customer.name || handoff.customer_name || "访客";
  $("chat-channel").textContent = label("channels", pkg.channel || handoff.channel);
  renderState(handoff.state);
  const who = assigneeName(handoff);
  $("chat-assignee").textContent = who ? "接待客服：" + who : "";
  if (switching) {
    show($("transfer-panel"), false);
    show($("close-panel"), false);
    $("reply").value = "";
    $("note-input").value = "";
  }
  handoff.messages = withLiveMessages(handoff.id, handoff.messages || []);
  renderMessages(handoff.messages);
  renderContext(handoff);
  renderNotes(handoff.notes || []);
}

export function renderState(handoffState) {
  const badge = $("chat-state");
  badge.textContent = label("states", handoffState);
  badge.className = "state-badge state-" + str(handoffState);
  $("chat-main").setAttribute("data-state", str(handoffState));
  if (state.current) { state.current.state = handoffState; }
  updateActions();
}

// What the agent may do with the open conversation: its buttons, the composer, the notes.
function updateActions() {
  const current = state.current;
  const handoffState = current ? current.state : null;
  const holder = !!current && handoffState === "AGENT" && heldBy(current, state.me);
  const manage = !!current && handoffState === "AGENT" && (holder || isSupervisor());
  show($("btn-accept"), handoffState === "QUEUED");
  show($("btn-transfer"), manage);
  show($("btn-return"), manage);
  show($("btn-close"), manage);
  if (!manage) { show($("transfer-panel"), false); show($("close-panel"), false); }
  $("reply").disabled = !holder;
  $("send").disabled = !holder;
  let hint = "";
  if (handoffState === "QUEUED") { hint = "接入会话后即可回复客户"; }
  else if (handoffState === "AGENT" && !holder) { hint = "该会话由其他客服接待"; }
  else if (handoffState === "BOT") { hint = "会话已转回机器人"; }
  else if (handoffState === "CLOSED") {
    hint = "会话已结束" + (current && current.disposition ? "（" + label("dispositions", current.disposition) + "）" : "");
  }
  $("composer-hint").textContent = hint;
  const canNote = !!current && (holder || isSupervisor());
  $("note-input").disabled = !canNote;
  $("note-save").disabled = !canNote;
}

// Turns a failed call into a polite message (a 401 has already sent the agent to the login form).
function handleError(error, context) {
  const status = statusOf(error);
  if (status === 401) { return; }
  if (status === 409) {
    notify(context === "accept" ? MSG.taken : MSG.conflict, "error");
    if (state.currentId !== null) { openHandoff(state.currentId, true); }
    refreshLists();
    return;
  }
  if (status === 404) {
    // Accepting what another agent took a moment earlier: the service no longer shows it to
    // this agent (404), which for the agent means the same as a 409.
    if (context === "accept") { closeConversation(); }
    notify(context === "accept" ? MSG.taken : MSG.notFound, "error");
    refreshLists();
    return;
  }
  if (status === 403) { notify(MSG.forbidden, "error"); return; }
  if (status === 0) { notify(MSG.network, "error"); return; }
  if (status === 502) { notify(MSG.rasaDown, "error"); return; }
  if (status >= 500) { notify(MSG.server, "error"); return; }
  if (status === 422 || status === 400) { notify(MSG.generic, "error"); return; }
  if (window.console) { window.console.error(error); }
  notify(MSG.generic, "error");
}

// --- chat messages ---------------------------------------------------------------------------

function messageKey(message) {
  if (message.id !== undefined && message.id !== null) { return "id:" + message.id; }
  return [message.role, message.at, message.text].join("|");
}

// Messages pushed while a reload of the conversation was on its way may be missing from
// its answer: they are kept and merged in, in time order, until an answer includes them.
function withLiveMessages(handoffId, fetched) {
  const keys = new Set(fetched.map(messageKey));
  const missing = (state.liveMessages[handoffId] || []).filter((m) => !keys.has(messageKey(m)));
  state.liveMessages[handoffId] = missing;
  if (!missing.length) { return fetched; }
  return fetched.concat(missing).map((m, i) => ({ m, i, t: time(m.at) || 0 }))
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map((x) => x.m);
}

function renderMessages(messages) {
  const list = $("messages");
  clear(list);
  state.seenMessages = {};
  const before = handoffStart(state.current);
  for (const message of messages) { appendMessage(message, false, false, before); }
  list.scrollTop = list.scrollHeight;
}

// `live`: it arrived after the conversation was opened (websocket, own reply).
// `before`: the time the handoff opened; earlier messages are the bot's part, shown as history.
export function appendMessage(message, scroll, live, before) {
  if (!message) { return; }
  // The same turn may be stored twice (in the handoff package and again from Rasa's event
  // broker, when the broker's copy arrives after the handoff opened): shown once.
  const seen = state.seenMessages;
  const key = messageKey(message);
  const sameTurn = "turn:" + [message.role, message.at, message.text].join("|");
  if (seen[key]) { updateDelivery(message); return; }  // the same message again: its delivery changed
  if (message.role !== "system" && seen[sameTurn]) { return; }
  seen[key] = true;
  seen[sameTurn] = true;
  const current = state.current;
  const role = roleOf(message);
  const who = role === "agent" ? (message.agent_name ? "客服 " + message.agent_name : "客服")
    : role === "customer" ? (current ? ($("chat-customer").textContent || "客户") : "客户") : label("roles", role);
  const head = el("div", { className: "msg-head" }, [
    el("span", { className: "msg-who", text: who }),
    el("time", { className: "msg-time", text: formatTime(message.at) }),
    ...readings(message, { className: "msg-intent", separator: " " }),
  ]);
  const history = role !== "system" && before !== undefined && before !== null && isBefore(message.at, before);
  const item = el("li", { className: "msg msg-" + role + (history ? " msg-history" : ""), "data-role": role,
                          "data-message-id": message.id, "data-delivery": message.delivery }, [
    head,
    el("div", { className: "msg-text", text: str(message.text) }),
    deliveryMark(message),
  ]);
  const list = $("messages");
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  list.appendChild(item);
  if (scroll !== false || nearBottom) { list.scrollTop = list.scrollHeight; }
  if (live && current) {
    (state.liveMessages[current.id] = state.liveMessages[current.id] || []).push(message);
    current.messages = (current.messages || []).concat([message]);
    if (role === "customer" && message.sentiment) { renderSentiment(current); }
  }
}

// --- delivery of an agent's reply (contract/delivery.py) --------------------------------------

// 「发送中…」 while Rasa has it, 「未送达：<reason>」 with 重发 when the channel refused it; nothing once delivered.
function deliveryMark(message) {
  if (message.delivery === "pending") {
    return el("div", { className: "msg-delivery msg-pending", text: MSG.sending });
  }
  if (message.delivery !== "not_delivered") { return null; }
  return el("div", { className: "msg-delivery msg-not-delivered" }, [
    el("span", { className: "msg-delivery-reason", text: MSG.notDelivered + label("delivery_reasons", message.delivery_reason) }),
    el("button", { type: "button", className: "msg-resend", text: MSG.resend, onclick: () => resend(message) }),
  ]);
}

// Shows the newer delivery state of a message already on screen (a push, a resend's answer).
function updateDelivery(message) {
  if (!message || message.id === undefined || message.id === null) { return; }
  const item = $("messages").querySelector('[data-message-id="' + CSS.escape(String(message.id)) + '"]');
  if (!item) { return; }
  // a late push of "pending" never hides the outcome already shown
  if (message.delivery === "pending" && item.dataset.delivery && item.dataset.delivery !== "pending") { return; }
  item.dataset.delivery = message.delivery || "";
  const old = item.querySelector(".msg-delivery");
  if (old) { old.remove(); }
  const mark = deliveryMark(message);
  if (mark) { item.appendChild(mark); }
  if (state.current) {
    for (const list of [state.current.messages || [], state.liveMessages[state.current.id] || []]) {
      for (const m of list) {
        if (m.id === message.id) { m.delivery = message.delivery; m.delivery_reason = message.delivery_reason; }
      }
    }
  }
}

async function resend(message) {
  const id = state.currentId;
  if (id === null) { return; }
  try {
    const answer = await api("POST", handoffPath(id, "messages/" + encodeURIComponent(message.id) + "/resend"));
    if (isOpen(id)) { updateDelivery(answer); }
    if (answer && answer.delivery === "delivered") { notify(MSG.resent, "info"); }
  } catch (error) {
    handleError(error, "send");
  }
}

// --- the composer ----------------------------------------------------------------------------

// What the agent wrote in `box` for the open conversation: {id, text}, or null when there is nothing.
function draft(box) {
  if (!state.current) { return null; }
  const text = box.value.trim();
  if (!text) { notify(MSG.empty, "info"); return null; }
  return { id: state.current.id, text };
}

async function sendReply() {
  const box = $("reply");
  const { id, text } = draft(box) || {};
  if (!text) { return; }
  $("send").disabled = true;
  box.value = "";  // at once, so that a second Enter does not send it twice; restored on failure
  try {
    const stored = await api("POST", handoffPath(id, "messages"), { text });
    if (isOpen(id)) {
      const message = stored && stored.message ? stored.message : stored;
      if (message && message.text !== undefined && message.role) { appendMessage(message, true, true); }
      else { await openHandoff(id, true); }
    }
  } catch (error) {
    if (!box.value && isOpen(id)) { box.value = text; }
    handleError(error, "send");
  }
  updateActions();
  box.focus();
}

function onReplyKey(event) {
  // Enter sends, Shift+Enter breaks the line; never while an IME is composing (pinyin input).
  if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) { return; }
  event.preventDefault();
  sendReply();
}

function useCannedReply(reply) {
  const box = $("reply");
  if (box.disabled) { return; }
  box.value = reply.text || "";
  box.focus();
  box.setSelectionRange(box.value.length, box.value.length);
  $("canned").open = false;
}

export async function loadCannedReplies() {
  let data;
  try { data = await api("GET", "/api/canned-replies"); } catch (error) { return; }  // a 401 logs out
  const list = $("canned-list");
  clear(list);
  for (const reply of asList(data, "canned_replies")) {
    list.appendChild(el("li", {}, [
      el("button", { type: "button", className: "canned-item", title: reply.text, "data-canned-id": reply.id,
                     onclick: () => useCannedReply(reply) }, [
        el("span", { className: "canned-title", text: reply.title || "" }),
        el("span", { className: "canned-text", text: reply.text || "" }),
      ]),
    ]));
  }
}

// --- internal notes --------------------------------------------------------------------------

async function saveNote() {
  const box = $("note-input");
  const { id, text } = draft(box) || {};
  if (!text) { return; }
  $("note-save").disabled = true;
  try {
    const note = await api("POST", handoffPath(id, "notes"), { text });
    box.value = "";
    if (isOpen(id)) {
      if (note && note.text !== undefined) {
        $("notes").appendChild(noteRow(note));
        notify(MSG.noteSaved, "info");
      } else {
        await openHandoff(id, true);
      }
    }
  } catch (error) {
    handleError(error, "note");
  }
  updateActions();
}

// --- accept, transfer, return, close -----------------------------------------------------------

function setActionsDisabled(disabled) {
  for (const button of all(".chat-actions button, .inline-panel button")) { button.disabled = disabled; }
}

// POSTs /api/handoffs/<id>/<path>; `done`: the notice on success; `after(result)`: what follows it.
async function act(path, body, done, context, after) {
  if (!state.current) { return; }
  const id = state.current.id;
  setActionsDisabled(true);
  try {
    const result = await api("POST", handoffPath(id, path), body);
    notify(done, "info");
    if (after) { after(result); }
    await Promise.all([isOpen(id) ? openHandoff(id, true) : null, refreshLists()]);
  } catch (error) {
    handleError(error, context || path);
  }
  setActionsDisabled(false);
  updateActions();
  if (path === "accept" && !$("reply").disabled) { $("reply").focus(); }
}

async function openTransfer() {
  show($("close-panel"), false);
  const select = $("transfer-agent");
  clear(select);
  let data;
  try { data = await api("GET", "/api/agents"); } catch (error) { handleError(error, "agents"); return; }
  const others = asList(data, "agents").filter((agent) =>
    String(agent.id) !== String(state.me.id) && String(agent.id) !== String(assigneeId(state.current)));
  if (!others.length) { notify(MSG.noAgents, "info"); return; }
  for (const agent of others) {
    const load = agent.active_conversations !== undefined && agent.active_conversations !== null
      ? "，进行中 " + agent.active_conversations : "";
    const text = (agent.display_name || agent.username) + (agent.online ? "（在线" : "（离线") + load + "）";
    select.appendChild(el("option", { value: agent.id, "data-username": agent.username, text }));
  }
  show($("transfer-panel"), true);
  select.focus();
}

function confirmTransfer() {
  const agentId = $("transfer-agent").value;
  if (!agentId) { return; }
  const numeric = Number(agentId);
  const body = { agent_id: isFinite(numeric) && String(numeric) === agentId ? numeric : agentId };
  act("transfer", body, MSG.transferred, "transfer", () => {
    // an agent no longer sees a conversation handed to someone else; a supervisor still does
    if (!isSupervisor()) { closeConversation(); }
  });
}

function openClose() {
  show($("transfer-panel"), false);
  show($("close-panel"), true);
  $("close-disposition").focus();
}

// The choices of how a conversation ended, in the service's words.
export function fillDispositions() {
  const select = $("close-disposition");
  clear(select);
  for (const [code, text] of Object.entries(state.labels.dispositions)) {
    select.appendChild(el("option", { value: code, text }));
  }
}

// Connects the chat pane's controls.
export function wireConversation() {
  $("reply").addEventListener("keydown", onReplyKey);
  $("send").addEventListener("click", sendReply);
  $("note-save").addEventListener("click", saveNote);
  $("btn-accept").addEventListener("click", () => act("accept", undefined, MSG.accepted, "accept"));
  $("btn-transfer").addEventListener("click", openTransfer);
  $("transfer-cancel").addEventListener("click", () => show($("transfer-panel"), false));
  $("transfer-confirm").addEventListener("click", confirmTransfer);
  $("btn-return").addEventListener("click", () => act("return", undefined, MSG.returned));
  $("btn-close").addEventListener("click", openClose);
  $("close-cancel").addEventListener("click", () => show($("close-panel"), false));
  $("close-confirm").addEventListener("click", () => act("close", { disposition: $("close-disposition").value }, MSG.closed));
}
