/*
 * The context panel: what the bot handed over with the conversation (summary, customer,
 * reason and its reading, the sentiment curve, orders, slots, the transcript) and the
 * internal notes.
 */
import { $, clear, el, svg } from "./dom.js";
import { formatTime, percent, str } from "./format.js";
import { packageOf, roleOf, transcriptOf } from "./handoffs.js";
import { ORDER_FIELDS, SLOT_LABELS, label, reasonText } from "./labels.js";

export function renderContext(handoff) {
  const pkg = packageOf(handoff);
  $("ctx-summary").textContent = pkg.summary || "（无摘要）";
  renderCustomer(pkg.customer || {}, label("channels", pkg.channel || handoff.channel));
  renderReason(pkg.reason || handoff.reason, pkg.trigger);
  renderSentiment(handoff);
  renderTranscript(transcriptOf(handoff));
  renderSlots(pkg.slots || {});
  renderOrders(Array.isArray(pkg.orders) ? pkg.orders : []);
}

function kvRow(list, key, value, className) {
  list.appendChild(el("dt", { text: key }));
  list.appendChild(el("dd", { className: className || null, text: value }));
}

function renderCustomer(customer, channel) {
  const info = $("ctx-customer");
  clear(info);
  kvRow(info, "姓名", customer.name || "未知");
  if (customer.id) { kvRow(info, "客户编号", customer.id); }
  kvRow(info, "手机号", customer.phone_masked || "未提供", "ctx-phone");
  kvRow(info, "会员等级", customer.level || "普通/未知", "ctx-level");
  kvRow(info, "身份验证", customer.verified ? "已验证" : "未验证", customer.verified ? "verified" : "unverified");
  kvRow(info, "渠道", channel || "未知");
}

function renderReason(reason, trigger) {
  const badge = $("ctx-reason");
  badge.textContent = reasonText(reason);
  badge.className = "reason-badge reason-" + str(reason);
  let reading = "";
  if (trigger && typeof trigger === "object") {
    reading = trigger.reading ? str(trigger.reading) : "";
    const rest = Object.keys(trigger).filter((k) => k !== "reading").map((k) => k + "：" + str(trigger[k]));
    if (rest.length) { reading += (reading ? "；" : "") + rest.join("；"); }
  } else if (trigger) {
    reading = str(trigger);
  }
  $("ctx-trigger").textContent = reading ? "触发读数：" + reading : "";
}

function renderSlots(values) {
  const slots = $("ctx-slots");
  clear(slots);
  const keys = Object.keys(values).filter((k) => values[k] !== null && values[k] !== undefined && values[k] !== "");
  for (const key of keys) {
    const value = values[key] === true ? "是" : values[key] === false ? "否" : str(values[key]);
    kvRow(slots, SLOT_LABELS[key] ? SLOT_LABELS[key] + "（" + key + "）" : key, value, "slot-" + key);
  }
  if (!keys.length) { slots.appendChild(el("dd", { className: "empty", text: "无" })); }
}

function itemText(item) {
  if (!item || typeof item !== "object") { return str(item); }
  const quantity = item.quantity || item.qty;
  return (item.name || item.title || item.sku || JSON.stringify(item)) + (quantity ? " ×" + quantity : "");
}

function renderOrders(list) {
  const orders = $("ctx-orders");
  clear(orders);
  for (const order of list) {
    const card = el("dl", { className: "kv order", "data-order-id": order.order_id || "" });
    for (const [key, value] of Object.entries(order)) {
      if (value === null || value === undefined || value === "") { continue; }
      if (key === "status" && order.status_text) { continue; }  // the Chinese text says it
      const text = Array.isArray(value) ? value.map(itemText).join("，") : str(value);
      kvRow(card, ORDER_FIELDS[key] || key, text, key === "order_id" ? "order-id" : null);
    }
    orders.appendChild(card);
  }
  if (!list.length) { orders.appendChild(el("p", { className: "empty", text: "无" })); }
}

/*
 * What the bot read in a customer's turn, for the chat and the transcript: the intent with its
 * confidence (`intent`: {className, separator, title} of that badge) and the sentiment with its score.
 */
export function readings(turn, intent) {
  if (roleOf(turn) !== "customer") { return []; }
  const badges = [];
  if (turn.intent) {
    const confidence = turn.confidence !== undefined && turn.confidence !== null ? intent.separator + percent(turn.confidence) : "";
    badges.push(el("span", { className: intent.className, title: intent.title, text: turn.intent + confidence }));
  }
  const sentiment = turn.sentiment;
  if (sentiment && sentiment.label) {
    const score = sentiment.score !== undefined ? " " + Number(sentiment.score).toFixed(2) : "";
    badges.push(el("span", { className: "msg-sentiment sentiment-" + sentiment.label,
                             text: label("sentiments", sentiment.label) + score }));
  }
  return badges;
}

function renderTranscript(transcript) {
  const list = $("ctx-transcript");
  clear(list);
  for (const turn of transcript) {
    const role = roleOf(turn);
    const who = role === "agent" && turn.agent_name ? "客服 " + turn.agent_name : label("roles", role);
    const meta = el("div", { className: "turn-meta" }, [
      el("span", { className: "turn-who", text: who }),
      el("time", { text: formatTime(turn.at) }),
      ...readings(turn, { className: "turn-intent", separator: " · ", title: "意图及置信度" }),
    ]);
    list.appendChild(el("li", { className: "turn turn-" + role }, [meta, el("div", { className: "turn-text", text: str(turn.text) })]));
  }
  if (!transcript.length) { list.appendChild(el("li", { className: "empty", text: "无" })); }
}

// --- the sentiment curve ---------------------------------------------------------------------

// The customer turns with a sentiment reading: the bot's transcript, then what came during the handoff.
function sentimentTurns(handoff) {
  const turns = [];
  const seen = new Set();
  const candidates = (packageOf(handoff).transcript || []).concat(handoff.messages || []);
  for (const turn of candidates) {
    if (!turn || turn.role !== "customer" || !turn.sentiment) { continue; }
    const score = Number(turn.sentiment.score);
    if (!isFinite(score)) { continue; }
    // the same turn may come in the package and among the messages, its time written differently
    const when = turn.at ? new Date(turn.at).getTime() : NaN;
    const key = str(turn.text) + "|" + (isNaN(when) ? str(turn.at) : Math.round(when / 1000));
    if (seen.has(key)) { continue; }
    seen.add(key);
    turns.push({ text: str(turn.text), score: Math.max(0, Math.min(1, score)), label: turn.sentiment.label, at: turn.at });
  }
  return turns;
}

export function renderSentiment(handoff) {
  const box = $("ctx-sentiment");
  clear(box);
  const turns = sentimentTurns(handoff);
  if (!turns.length) { box.appendChild(el("p", { className: "empty", text: "无情绪数据" })); return; }
  const W = 300, H = 130, left = 30, right = 16, top = 10, bottom = 24;
  const plotW = W - left - right, plotH = H - top - bottom;
  const x = (i) => left + (turns.length === 1 ? plotW / 2 : (plotW * i) / (turns.length - 1));
  const y = (score) => top + plotH * (1 - score);
  const chart = svg("svg", { viewBox: "0 0 " + W + " " + H, width: "100%", role: "img",
                             "class": "sentiment-chart", "data-points": turns.length });
  chart.appendChild(svg("title", {}, "每轮客户消息的负面情绪概率"));
  for (const v of [0, 0.5, 1]) {
    chart.appendChild(svg("line", { x1: left, x2: W - right, y1: y(v), y2: y(v), "class": "grid" }));
    chart.appendChild(svg("text", { x: left - 4, y: y(v) + 3, "text-anchor": "end", "class": "axis" }, v.toFixed(1)));
  }
  chart.appendChild(svg("rect", { x: left, y: y(1), width: plotW, height: y(0.5) - y(1), "class": "danger-zone" }));
  if (turns.length > 1) {
    chart.appendChild(svg("polyline", {
      points: turns.map((t, i) => x(i).toFixed(1) + "," + y(t.score).toFixed(1)).join(" "),
      "class": "curve",
    }));
  }
  turns.forEach((t, i) => {
    const point = svg("circle", { cx: x(i).toFixed(1), cy: y(t.score).toFixed(1), r: 4,
                                  "class": "sentiment-point sentiment-" + str(t.label), "data-score": t.score });
    point.appendChild(svg("title", {}, "第 " + (i + 1) + " 轮：" + t.score.toFixed(2) + "（" +
      label("sentiments", t.label) + "）" + t.text));
    chart.appendChild(point);
    chart.appendChild(svg("text", { x: x(i), y: H - 8, "text-anchor": "middle", "class": "axis" }, String(i + 1)));
  });
  box.appendChild(chart);
  box.appendChild(el("p", { className: "sentiment-legend",
    text: "横轴：客户第几轮消息；纵轴：负面情绪概率，越高越负面。最新一轮：" + turns[turns.length - 1].score.toFixed(2) }));
}

// --- internal notes --------------------------------------------------------------------------

export function renderNotes(notes) {
  const list = $("notes");
  clear(list);
  for (const note of notes) { list.appendChild(noteRow(note)); }
}

export function noteRow(note) {
  const author = note.agent_name || note.author || note.author_name || (note.agent && note.agent.display_name) || "";
  return el("li", { className: "note" }, [
    el("div", { className: "note-head" }, [
      el("span", { className: "note-tag", text: "内部备注" }),
      el("span", { className: "note-author", text: author }),
      el("time", { text: formatTime(note.at || note.created_at) }),
    ]),
    el("div", { className: "note-text", text: str(note.text) }),
  ]);
}
