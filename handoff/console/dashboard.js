/*
 * The supervisors' dashboard (dashboard.html): GET /api/kpis (handoff/API.md, "KPIs") for a
 * range of days and a channel, as cards, inline-SVG charts (charts.js) and tables.
 * Only a logged-in supervisor sees figures; anyone else is told so, with a way back.
 * Every text from the server goes in with textContent or as an SVG text node.
 */
import { api, statusOf } from "./api.js";
import { barChart, columnChart } from "./charts.js";
import { $, clear, el, show } from "./dom.js";
import { formatSpan, percent } from "./format.js";
import { label, loadLabels } from "./labels.js";

const TOP_INTENTS = 10;
const NONE = "—";
const ERRORS = {
  bad_date: "日期格式不正确，请重新选择。",
  bad_range: "开始日期不能晚于结束日期。",
  range_too_long: "查询范围最长为92天，请缩短日期范围。",
  unknown_channel: "不支持该渠道。",
};
const TEXT = {
  login: "请先登录主管账号。",
  supervisorsOnly: "仅主管可查看数据看板。",
  network: "网络连接异常，请检查网络后重试。",
  server: "服务暂时不可用，请稍后重试。",
  tracker: "对话记录库暂不可用，机器人相关指标暂时无法计算。",
  noData: "所选范围内暂无数据",
};

function pct(value) { return value === null || value === undefined ? NONE : percent(value); }

function seconds(value) {
  if (value === null || value === undefined) { return NONE; }
  return value < 60 ? Math.round(value) + "秒" : formatSpan(value);
}

function setCard(name, value, sub) {
  const card = document.querySelector('.card[data-kpi="' + name + '"]');
  card.querySelector(".card-value").textContent = value;
  const subNode = card.querySelector(".card-sub");
  if (subNode) { subNode.textContent = sub || ""; }
}

function fill(id, chart) {
  const box = $(id);
  clear(box);
  box.appendChild(chart || el("p", { className: "chart-empty", text: TEXT.noData }));
}

function showError(text) {
  const node = $("kpi-error");
  node.textContent = text || "";
  show(node, !!text);
}

function render(k) {
  const tracker = k.tracker || {};
  show($("kpi-tracker"), !tracker.available);
  $("kpi-tracker").textContent = tracker.available ? "" : TEXT.tracker;
  $("kpi-range").textContent = k.from + " 至 " + k.to + (k.channel ? " · " + label("channels", k.channel) : " · 全部渠道");

  const live = k.live || {};
  setCard("waiting", String(live.waiting));
  setCard("online", String(live.agents_online));
  setCard("longest", seconds(live.longest_wait_seconds));

  const c = (key) => k[key] || null;
  setCard("conversations", k.conversations === null ? NONE : String(k.conversations));
  setCard("containment", pct(c("containment") && k.containment.rate),
          c("containment") ? k.containment.contained + " / " + k.containment.conversations + " 个会话" : "");
  setCard("handoff", pct(c("handoff") && k.handoff.rate),
          c("handoff") ? k.handoff.handed_off + " 个会话转人工" : "");
  setCard("fallback", pct(c("fallback") && k.fallback.rate),
          c("fallback") ? k.fallback.fallback_messages + " / " + k.fallback.customer_messages + " 条消息" : "");
  setCard("clarification", pct(c("clarification") && k.clarification.rate),
          c("clarification") ? k.clarification.clarifications + " 次澄清" : "");
  setCard("resolution", pct(c("resolution") && k.resolution.rate),
          c("resolution") ? "完成 " + k.resolution.completed + " / 发起 " + k.resolution.attempted : "");
  setCard("fcr", pct(c("fcr") && k.fcr.rate),
          c("fcr") ? k.fcr.first_contact + " / " + k.fcr.conversations + " 个会话" : "");

  const csat = k.csat || {};
  for (const who of ["bot", "person"]) {
    const s = csat[who] || {};
    setCard("csat-" + who, s.average === null || s.average === undefined ? NONE : s.average.toFixed(2) + " 分",
            s.ratings + " 条评价 · 参评率 " + pct(s.response_rate));
    const dist = s.distribution || {};
    fill("chart-csat-" + who, s.ratings ? columnChart(["1", "2", "3", "4", "5"].map((score) => (
      { label: score + "分", value: dist[score] || 0 })), { title: "满意度分布", color: who === "bot" ? "#1f6feb" : "#2f9e6b" }) : null);
  }
  const spread = (name, s) => setCard(name, seconds(s.p50_seconds) + " / " + seconds(s.p90_seconds),
                                      s.count + " 个会话 · 平均 " + seconds(s.average_seconds));
  spread("queue", k.queue_wait || {});
  spread("first-response", k.first_response || {});
  spread("handle", k.handle_time || {});

  if (k.handoff) {
    const reasons = Object.entries(k.handoff.by_reason).map(([code, r]) => (
      { label: label("reasons_short", code), value: r.conversations, text: r.conversations + "（" + pct(r.rate) + "）" }));
    fill("chart-reasons", k.handoff.handed_off ? barChart(reasons, { title: "转人工原因", color: "#d64545" }) : null);
  } else { fill("chart-reasons", null); }
  if (k.resolution) {
    const errands = Object.entries(k.resolution.by_errand).map(([code, r]) => (
      { label: code, value: r.completed, text: r.completed + " / " + r.attempted + "（" + pct(r.rate) + "）" }));
    const max = Math.max(1, ...Object.values(k.resolution.by_errand).map((r) => r.attempted));
    fill("chart-errands", errands.length ? barChart(errands, { title: "业务办理", max, color: "#2f9e6b" }) : null);
  } else { fill("chart-errands", null); }
  const intents = (k.intents || []).slice(0, TOP_INTENTS).map((i) => ({ label: i.intent, value: i.messages }));
  fill("chart-intents", intents.length ? barChart(intents, { title: "意图分布" }) : null);
  const handed = (k.handoff_intents || []).map((i) => (
    { label: i.intent, value: i.handoffs, text: i.handoffs + " 次（占该意图 " + pct(i.rate) + "）" }));
  fill("chart-handoff-intents", handed.length ? barChart(handed, { title: "最常转人工的意图", color: "#b7791f" }) : null);

  const tickets = $("table-tickets").querySelector("tbody");
  clear(tickets);
  for (const [code, t] of Object.entries(k.tickets || {})) {
    tickets.appendChild(el("tr", { "data-sla-class": code }, [label("sla_classes", code), t.active, t.at_risk,
                                                               t.created, t.breached_respond, t.breached_resolve].map(
      (value) => el("td", { text: value }))));
  }
  const agents = $("table-agents").querySelector("tbody");
  clear(agents);
  for (const a of k.agents || []) {
    agents.appendChild(el("tr", { "data-agent-id": a.agent_id }, [a.display_name, a.accepted,
      seconds(a.first_response.average_seconds), seconds(a.handle_time.average_seconds)].map(
      (value) => el("td", { text: value }))));
  }
  if (!(k.agents || []).length) {
    agents.appendChild(el("tr", {}, [el("td", { colspan: 4, className: "chart-empty", text: TEXT.noData })]));
  }
  show($("kpi-body"), true);
}

// The range in the inputs; empty inputs: the service's default (the last 7 days to its today:
// its days are the service's time zone's, which the browser's may not be).
async function load(event) {
  if (event) { event.preventDefault(); }
  const params = new URLSearchParams();
  if ($("kpi-from").value) { params.set("from", $("kpi-from").value); }
  if ($("kpi-to").value) { params.set("to", $("kpi-to").value); }
  if ($("kpi-channel").value) { params.set("channel", $("kpi-channel").value); }
  const button = $("kpi-submit");
  button.disabled = true;
  document.body.removeAttribute("data-kpis-loaded");
  try {
    const figures = await api("GET", "/api/kpis?" + params.toString());
    $("kpi-from").value = figures.from;
    $("kpi-to").value = figures.to;
    render(figures);
    showError("");
    document.body.setAttribute("data-kpis-loaded", params.toString());
  } catch (error) {
    const status = statusOf(error);
    const code = error.body && error.body.error && error.body.error.code;
    showError(status === 422 ? ERRORS[code] || TEXT.server : status === 401 ? TEXT.login
      : status === 403 ? TEXT.supervisorsOnly : status === 0 ? TEXT.network : TEXT.server);
    document.body.setAttribute("data-kpis-error", String(code || status));
  }
  button.disabled = false;
}

async function init() {
  const query = new URLSearchParams(window.location.search);
  for (const [key, id] of [["from", "kpi-from"], ["to", "kpi-to"], ["channel", "kpi-channel"]]) {
    if (query.get(key) !== null) { $(id).value = query.get(key); }
  }
  $("kpi-filters").addEventListener("submit", load);
  let me;
  try {
    me = await api("GET", "/api/auth/me");
  } catch (error) {
    showError(statusOf(error) === 0 ? TEXT.network : TEXT.login);
    return;
  }
  $("me-name").textContent = me.display_name || me.username || "";
  if (me.role !== "supervisor") {
    showError(TEXT.supervisorsOnly);
    $("kpi-submit").disabled = true;
    return;
  }
  await loadLabels();
  await load();
}

init();
