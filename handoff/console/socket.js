/*
 * The live connection (WS /ws, handoff/routers/ws.py): what happens while the agent works
 * (a customer queues, writes, a conversation changes hands). Reconnects with backoff and
 * catches up on what it missed.
 */
import { api } from "./api.js";
import { appendMessage, openHandoff, renderState } from "./conversation.js";
import { MSG } from "./labels.js";
import { markUnread, refreshLists } from "./lists.js";
import { isOpen, isTicketOpen, state } from "./state.js";
import { notify, setConnection } from "./status.js";
import { openTicket } from "./ticket-detail.js";
import { refreshTickets, refreshTicketsSoon } from "./ticket-list.js";
import { onTicketAlert } from "./views.js";

const RECONNECT_MIN_MS = 1000;
const RECONNECT_MAX_MS = 30000;
const PING_MS = 60000;

export function connect() {
  if (!state.loggedIn) { return; }
  clearTimeout(state.timers.reconnect);
  setConnection("connecting");
  const url = (location.protocol === "https:" ? "wss:" : "ws:") + "//" + location.host + "/ws";
  let ws;
  try { ws = new WebSocket(url); } catch (e) { scheduleReconnect(); return; }
  state.socket = ws;
  ws.onopen = () => {
    if (state.socket !== ws) { return; }
    const reconnected = state.socketAttempts > 0;
    state.socketAttempts = 0;
    setConnection("online");
    clearInterval(state.timers.ping);
    state.timers.ping = setInterval(() => {
      // anything sent marks the agent as still online (handoff/routers/ws.py)
      if (state.socket === ws && ws.readyState === 1) { try { ws.send("ping"); } catch (e) { /* onclose follows */ } }
    }, PING_MS);
    if (reconnected) {
      // catch up with what happened while the socket was down
      refreshLists();
      refreshTickets();
      if (state.currentId !== null && state.view === "conversations") { openHandoff(state.currentId, true); }
      if (state.currentTicketId !== null) { openTicket(state.currentTicketId, true); }
    }
  };
  ws.onmessage = (event) => {
    if (state.socket !== ws) { return; }
    let data;
    try { data = JSON.parse(event.data); } catch (e) { return; }
    onPush(data);
  };
  ws.onclose = (event) => {
    if (state.socket !== ws) { return; }
    clearInterval(state.timers.ping);
    state.socket = null;
    if (!state.loggedIn) { return; }
    if (event.code === 4401 || event.code === 1008 || event.code === 4403) {
      // the server refused the session: check it before trying again (a 401 logs out)
      api("GET", "/api/auth/me").then(scheduleReconnect, scheduleReconnect);
      return;
    }
    scheduleReconnect();
  };
  ws.onerror = () => { /* onclose follows */ };
}

export function disconnect() {
  clearTimeout(state.timers.reconnect);
  clearInterval(state.timers.ping);
  state.timers.reconnect = state.timers.ping = null;
  if (state.socket) {
    const old = state.socket;
    state.socket = null;
    try { old.close(); } catch (e) { /* already closed */ }
  }
  setConnection("offline");
}

function scheduleReconnect() {
  if (!state.loggedIn) { return; }
  setConnection("offline");
  let delay = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * Math.pow(2, state.socketAttempts));
  delay = delay / 2 + Math.random() * delay / 2;  // jitter, so that agents do not reconnect in lockstep
  state.socketAttempts += 1;
  clearTimeout(state.timers.reconnect);
  state.timers.reconnect = setTimeout(connect, delay);
}

function onPush(data) {
  if (!data || typeof data !== "object") { return; }
  // the open conversation, while it is shown (the 工单 view reloads it when the agent comes back)
  const current = data.handoff_id !== undefined && isOpen(data.handoff_id) && state.view === "conversations";
  switch (data.type) {
    case "queue":
      refreshLists();
      break;
    case "message":
      if (current) { appendMessage(data.message, true, true); }
      else { markUnread(data.handoff_id); }
      break;
    case "handoff":
      if (current) {
        const wasQueued = !!state.current && state.current.state === "QUEUED";
        renderState(data.state);
        openHandoff(state.currentId, true).then(() => {
          // another agent accepted the conversation this agent was looking at
          if (wasQueued && state.currentId === null) { notify(MSG.taken, "info"); }
        });
      }
      refreshLists();
      break;
    case "assigned":
      notify(MSG.assignedToMe, "info");
      refreshLists().then(() => markUnread(data.handoff_id));
      if (current) { openHandoff(state.currentId, true); }
      break;
    case "ticket": {
      const ticket = data.ticket || {};
      refreshTicketsSoon();
      if (ticket.id !== undefined && isTicketOpen(ticket.id)) { openTicket(ticket.id, true); }
      break;
    }
    case "ticket_alert":
      onTicketAlert(data);
      break;
    default:
      break;
  }
}
