/*
 * Everything the console remembers, in one object. Modules read and write its fields;
 * nothing else keeps state between calls.
 */

export const state = {
  me: null,                // the agent logged in: {id, username, display_name, role}
  loggedIn: false,
  // display labels from the service (GET /api/labels): code → Chinese, by kind
  labels: { reasons: {}, reasons_short: {}, states: {}, dispositions: {}, roles: {}, agent_roles: {}, sentiments: {}, channels: {}, delivery_reasons: {},
            ticket_statuses: {}, sla_classes: {}, ticket_events: {}, ticket_event_details: {}, ticket_deadlines: {},
            delivered_via: {} },
  labelsLoaded: false,

  current: null,           // the open handoff (detail)
  currentId: null,
  seenMessages: {},        // keys of the rendered chat messages of the open handoff
  liveMessages: {},        // handoff id → messages pushed since its last reload

  waitRows: [],            // [{el, base, fetchedAt}] for the ticking wait times of the queue
  listLoads: 0,            // how many times the lists were (re)loaded

  view: "conversations",   // the tab shown: "conversations" or "tickets"
  tickets: [],             // the ticket list as last fetched (each stamped with fetchedAt)
  ticketFilter: { scope: "all", status: "" },  // scope: all (what the service shows) | mine | unassigned; status: "" = active ones
  ticketRows: [],          // [{el, ticket}] for the ticking time left of the ticket list
  ticketLoads: 0,          // how many times the ticket list was (re)loaded
  currentTicket: null,     // the open ticket (detail)
  currentTicketId: null,
  alertedTickets: new Set(),  // tickets alerted since the agent last looked at the 工单 tab

  socket: null,            // the websocket while it is open or opening
  socketAttempts: 0,       // reconnection attempts since the last open socket

  timers: { refresh: null, tick: null, reconnect: null, ping: null, notice: null, ticketTick: null, ticketRefresh: null },
};

export function isSupervisor() { return !!state.me && state.me.role === "supervisor"; }

export function isOpen(id) { return state.currentId !== null && String(id) === String(state.currentId); }

export function isTicketOpen(id) {
  return state.currentTicketId !== null && String(id) === String(state.currentTicketId);
}
