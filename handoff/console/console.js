/*
 * 小蜜 agent console: the page human agents and supervisors work in. The entry module:
 * logging in and out, starting and stopping the live parts, connecting the page's controls.
 *
 * Served by the handoff service at /console/ and talking to it on the same origin (API
 * contract: handoff/API.md): cookie session from POST /api/auth/login, REST for everything an
 * agent does, and the websocket /ws for what happens meanwhile. Native ES modules, no build
 * step, nothing loaded from elsewhere:
 *
 *   api.js           calls to the service, ApiError
 *   state.js         everything the console remembers, in one object
 *   labels.js        what the console says (the service's labels, loaded once, and its own texts)
 *   dom.js           el() and friends, shared with the web chat widget
 *   format.js        values as text (times, waits, percentages)
 *   handoffs.js      reading the service's handoff objects
 *   status.js        notices and the connection badge
 *   lists.js         the sidebar: queue, own conversations, supervisors' views
 *   conversation.js  the open conversation: chat, composer, actions
 *   context.js       the context panel: what the bot handed over, sentiment curve, notes
 *   socket.js        the live connection
 *   views.js         the 会话 and 工单 tabs, ticket alerts (toasts, the tab's count)
 *   tickets.js       reading the service's tickets: deadlines, time left, who holds them
 *   ticket-list.js   the 工单 list: filters, time left ticking every 30 s
 *   ticket-detail.js the open ticket: messages and their delivery, timeline, actions
 *
 * Every text that comes from the server (customer words, names, summaries, slot values...)
 * is put into the page with textContent or as an SVG text node; nothing is parsed as HTML.
 */
import { api, statusOf, whenUnauthorized } from "./api.js";
import { closeConversation, fillDispositions, loadCannedReplies, openHandoff, wireConversation } from "./conversation.js";
import { $, all, show } from "./dom.js";
import { MSG, label, loadLabels } from "./labels.js";
import { onRowChosen, refreshLists, tickWaits } from "./lists.js";
import { connect, disconnect } from "./socket.js";
import { isSupervisor, state } from "./state.js";
import { hideNotice } from "./status.js";
import { closeTicket, openTicket, wireTicketDetail } from "./ticket-detail.js";
import { TICK_MS, fillStatusFilter, onTicketChosen, refreshTickets, tickTickets, wireTicketFilters } from "./ticket-list.js";
import { clearToasts, showView, wireViews } from "./views.js";

const REFRESH_MS = 15000;

// --- logging in and out ------------------------------------------------------------------------

function showLogin(message) {
  state.loggedIn = false;
  state.me = null;
  stopLive();
  show($("app-view"), false);
  show($("login-view"), true);
  const error = $("login-error");
  error.textContent = message || "";
  show(error, !!message);
  $("login-password").value = "";
  $("login-username").focus();
}

// The service answered 401 while the agent was logged in.
function sessionExpired() {
  if (!state.loggedIn) { return; }
  showLogin(MSG.expired);
}

async function onLogin(event) {
  event.preventDefault();
  const username = $("login-username").value.trim();
  const password = $("login-password").value;
  const error = $("login-error");
  if (!username || !password) {
    error.textContent = MSG.emptyLogin;
    show(error, true);
    return;
  }
  const button = $("login-submit");
  button.disabled = true;
  show(error, false);
  try {
    await api("POST", "/api/auth/login", { username, password });
    await startApp(await api("GET", "/api/auth/me"));
  } catch (err) {
    const status = statusOf(err);
    // 429: locked after too many failures, or too many logins at once; the service says how long
    const limited = status === 429 ? (err.body && err.body.error && err.body.error.message) || MSG.tooMany : null;
    error.textContent = limited ? limited : status === 401 || status === 403 ? MSG.badLogin
      : status === 0 ? MSG.network : status === 422 ? MSG.emptyLogin : MSG.server;
    show(error, true);
    $("login-password").value = "";
    $("login-password").focus();
  }
  button.disabled = false;
}

async function logout() {
  try { await api("POST", "/api/auth/logout"); } catch (e) { /* the session ends either way */ }
  showLogin("");
}

// --- the app -----------------------------------------------------------------------------------

async function startApp(profile) {
  await loadLabels();
  fillDispositions();
  fillStatusFilter();
  state.me = profile;
  state.loggedIn = true;
  state.current = null;
  state.currentId = null;
  show($("login-view"), false);
  show($("app-view"), true);
  document.body.setAttribute("data-role", profile.role || "agent");
  $("me-name").textContent = profile.display_name || profile.username || "";
  $("me-role").textContent = label("agent_roles", profile.role);
  for (const node of all(".supervisor-only")) { show(node, isSupervisor()); }
  closeConversation();
  closeTicket();
  showView("conversations");
  loadCannedReplies();
  refreshLists();
  refreshTickets();
  connect();
  clearInterval(state.timers.refresh);
  state.timers.refresh = setInterval(refreshLists, REFRESH_MS);
  clearInterval(state.timers.tick);
  state.timers.tick = setInterval(tickWaits, 1000);
  clearInterval(state.timers.ticketTick);
  state.timers.ticketTick = setInterval(tickTickets, TICK_MS);
}

function stopLive() {
  clearInterval(state.timers.refresh);
  clearInterval(state.timers.tick);
  clearInterval(state.timers.ticketTick);
  state.timers.refresh = state.timers.tick = state.timers.ticketTick = null;
  state.alertedTickets.clear();
  clearToasts();
  disconnect();
}

// --- wiring ------------------------------------------------------------------------------------

function init() {
  whenUnauthorized(sessionExpired);
  $("login-form").addEventListener("submit", onLogin);
  $("logout").addEventListener("click", logout);
  $("notice-close").addEventListener("click", hideNotice);
  onRowChosen(openHandoff);
  wireConversation();
  wireViews();
  onTicketChosen((id) => openTicket(id));
  wireTicketFilters();
  wireTicketDetail();
  api("GET", "/api/auth/me").then(startApp).catch((error) => {
    const status = statusOf(error);
    showLogin(status === 401 || status === 403 ? "" : status === 0 ? MSG.network : "");
  });
}

init();  // a module runs once the page is parsed
