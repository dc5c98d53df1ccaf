/*
 * The sidebar: the queue, the agent's own conversations and, for supervisors, every
 * conversation and each agent's load. Reloaded as a whole (GET /api/queue, /api/handoffs,
 * /api/agents) on a timer and whenever the service says something changed.
 */
import { api, statusOf } from "./api.js";
import { $, all, clear, el, show } from "./dom.js";
import { formatWait, str } from "./format.js";
import { asList, assigneeId, assigneeName, customerName, isVip } from "./handoffs.js";
import { TITLE, label, reasonText } from "./labels.js";
import { isOpen, isSupervisor, state } from "./state.js";
import { setConnection } from "./status.js";

const LISTS = ["queue", "mine", "all-conversations"];

export async function refreshLists() {
  if (!state.loggedIn) { return; }
  const jobs = [
    api("GET", "/api/queue").then(renderQueue),
    api("GET", "/api/handoffs?state=AGENT").then(renderMine),
  ];
  if (isSupervisor()) {
    jobs.push(api("GET", "/api/handoffs").then(renderAll));
    jobs.push(api("GET", "/api/agents").then(renderLoad));
  }
  try {
    await Promise.all(jobs);
    // a marker for tests and for styling: how many times the lists were (re)loaded
    state.listLoads += 1;
    document.body.setAttribute("data-lists-loaded", String(state.listLoads));
  } catch (error) {
    if (statusOf(error) === 0) { setConnection("offline"); }
  }
}

// Calls `open(id)` when the agent picks a conversation in any list (click, Enter or space).
export function onRowChosen(open) {
  for (const listId of LISTS) {
    const list = $(listId);
    list.addEventListener("click", (event) => {
      const row = event.target.closest(".conv");
      if (row) { open(row.getAttribute("data-handoff-id")); }
    });
    list.addEventListener("keydown", (event) => {
      const row = event.target.closest(".conv");
      if (row && (event.key === "Enter" || event.key === " ")) {
        event.preventDefault();
        open(row.getAttribute("data-handoff-id"));
      }
    });
  }
}

// Marks the open conversation's rows (and reads them).
export function markOpen(id) {
  for (const node of all(".conv")) {
    const open = node.getAttribute("data-handoff-id") === String(id);
    node.classList.toggle("conv-active", open);
    if (open) { node.classList.remove("conv-unread"); }
  }
}

export function markUnread(handoffId) {
  for (const node of all('.conv[data-handoff-id="' + Number(handoffId) + '"]')) { node.classList.add("conv-unread"); }
}

export function tickWaits() {
  const now = Date.now();
  for (const row of state.waitRows) {
    row.el.textContent = "已等待 " + formatWait(row.base + (now - row.fetchedAt) / 1000);
  }
}

function renderQueue(data) {
  state.waitRows = [];
  const items = asList(data, "queue");
  fillList("queue", "queue-empty", "queue-count", items, { queue: true });
  document.title = (items.length ? "(" + items.length + ") " : "") + TITLE;
  tickWaits();
}

function renderMine(data) {
  const mine = asList(data, "handoffs").filter((item) => {
    if (item.state && item.state !== "AGENT") { return false; }
    const owner = assigneeId(item);
    return owner === null || owner === undefined || String(owner) === String(state.me.id);
  });
  fillList("mine", "mine-empty", "mine-count", mine, {});
}

function renderAll(data) {
  fillList("all-conversations", "all-empty", "all-count", asList(data, "handoffs"), { showState: true, showAgent: true });
}

function renderLoad(data) {
  const body = $("agent-load").querySelector("tbody");
  clear(body);
  for (const agent of asList(data, "agents")) {
    const load = agent.active_conversations;
    body.appendChild(el("tr", { "data-agent-id": agent.id, "data-username": agent.username }, [
      el("td", { className: "load-name", text: agent.display_name || agent.username || "" }),
      el("td", { className: agent.online ? "online" : "offline", text: agent.online ? "在线" : "离线" }),
      el("td", { className: "load-count", text: load === undefined || load === null ? "—" : String(load) }),
    ]));
  }
}

function fillList(listId, emptyId, countId, items, options) {
  const list = $(listId);
  const unread = new Set(Array.from(list.querySelectorAll(".conv-unread"), (node) => node.getAttribute("data-handoff-id")));
  clear(list);
  for (const item of items) {
    const row = convRow(item, options);
    if (unread.has(String(item.id)) && !isOpen(item.id)) { row.classList.add("conv-unread"); }
    list.appendChild(row);
  }
  show($(emptyId), items.length === 0);
  $(countId).textContent = String(items.length);
}

function badges(item) {
  const row = [];
  if (isVip(item)) { row.push(el("span", { className: "badge badge-vip", text: "VIP", title: "重要会员" })); }
  if (item.reason === "upset") { row.push(el("span", { className: "badge badge-upset", text: "情绪", title: "客户情绪激动" })); }
  const priority = Number(item.priority) || 0;
  if (priority > 0) { row.push(el("span", { className: "badge badge-priority", text: "优先级 " + priority })); }
  return row;
}

function convRow(item, options) {
  const id = item.id;
  const row = el("li", {
    className: "conv" + (isOpen(id) ? " conv-active" : "") + (item.unread ? " conv-unread" : ""),
    "data-handoff-id": id,
    "data-state": item.state || (options.queue ? "QUEUED" : ""),
    tabindex: "0",
    role: "button",
  });
  row.appendChild(el("div", { className: "conv-top" }, [
    el("span", { className: "conv-name", text: customerName(item) }),
    el("span", { className: "conv-id", text: "#" + id }),
    ...badges(item),
  ]));
  const meta = el("div", { className: "conv-meta" }, [
    el("span", { className: "conv-reason reason-" + str(item.reason), text: reasonText(item.reason) }),
  ]);
  if (item.channel) { meta.appendChild(el("span", { className: "conv-channel", text: label("channels", item.channel) })); }
  if (options.queue) {
    if (item.position) { meta.appendChild(el("span", { className: "conv-position", text: "第 " + item.position + " 位" })); }
    const wait = el("span", { className: "conv-wait", title: "已等待" });
    state.waitRows.push({ el: wait, base: Number(item.waited_seconds) || 0, fetchedAt: Date.now() });
    meta.appendChild(wait);
  } else {
    if (options.showState && item.state) {
      meta.appendChild(el("span", { className: "state-badge state-" + item.state, text: label("states", item.state) }));
    }
    const who = assigneeName(item);
    if (options.showAgent && who) { meta.appendChild(el("span", { className: "conv-agent", text: "客服：" + who })); }
  }
  row.appendChild(meta);
  return row;
}
