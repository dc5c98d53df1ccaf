/*
 * Reading what the service returns about handoffs (handoff/API.md): the package the bot
 * handed over, the customer, who holds a conversation, when it was handed over.
 */
import { time, isBefore } from "./format.js";

const VIP_LEVELS = ["钻石", "金卡", "钻石会员", "金卡会员"];

// A list out of an answer that is a list or {<key>|items: [...]}.
export function asList(data, key) {
  if (Array.isArray(data)) { return data; }
  if (data && Array.isArray(data[key])) { return data[key]; }
  if (data && Array.isArray(data.items)) { return data.items; }
  return [];
}

export function packageOf(handoff) { return (handoff && (handoff.package || handoff)) || {}; }

function customerOf(item) { return item.customer || (item.package && item.package.customer) || {}; }

export function customerName(item) { return item.customer_name || customerOf(item).name || "访客"; }

export function assigneeId(item) {
  if (!item) { return null; }
  if (item.agent_id !== undefined && item.agent_id !== null) { return item.agent_id; }
  if (item.assigned_agent_id !== undefined && item.assigned_agent_id !== null) { return item.assigned_agent_id; }
  const agent = item.agent || item.assignee || item.assigned_agent;
  return agent && typeof agent === "object" ? agent.id : null;
}

export function assigneeName(item) {
  if (!item) { return ""; }
  const agent = item.agent || item.assignee || item.assigned_agent;
  if (agent && typeof agent === "object") { return agent.display_name || agent.username || ""; }
  return item.agent_name || item.agent_display_name || item.assignee_name || (typeof agent === "string" ? agent : "");
}

// Whether `agent` holds the conversation; true when the service did not say (it decides).
export function heldBy(handoff, agent) {
  const owner = assigneeId(handoff);
  if (owner === null || owner === undefined) { return true; }
  return !!agent && String(owner) === String(agent.id);
}

export function isVip(item) {
  const level = item.customer_level || item.level || customerOf(item).level;
  if (level) { return VIP_LEVELS.indexOf(level) >= 0; }
  // The bot computes priority as +1 VIP, +1 upset (API.md).
  const priority = Number(item.priority) || 0;
  return priority - (item.reason === "upset" ? 1 : 0) >= 1;
}

// When the handoff was opened (ms), with a second of slack for rounding.
export function handoffStart(handoff) {
  const t = handoff ? time(handoff.created_at) : null;
  return t === null ? null : t + 1000;
}

// The conversation with the bot before the handoff: the package's transcript when the
// service returns it, else the messages stored before the handoff was opened.
export function transcriptOf(handoff) {
  const pkg = packageOf(handoff);
  if (Array.isArray(pkg.transcript)) { return pkg.transcript; }
  const start = handoffStart(handoff);
  const seen = new Set();
  return (handoff.messages || []).filter((m) => {
    const turn = [m.role, m.at, m.text].join("|");
    if (m.role === "system" || seen.has(turn) || (start !== null && !isBefore(m.at, start))) { return false; }
    seen.add(turn);
    return true;
  });
}

// Who said a line (the page styles each): anything else is shown as the system's.
const ROLES = ["customer", "bot", "agent", "system"];

export function roleOf(turn) { return ROLES.includes(turn.role) ? turn.role : "system"; }
