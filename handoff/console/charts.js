/*
 * Small inline-SVG charts of the dashboard (dashboard.js): horizontal bars and columns.
 * Every text goes in as an SVG text node (dom.js svg()); nothing is parsed as HTML.
 */
import { svg } from "./dom.js";

const BAR_HEIGHT = 22;
const GAP = 8;

// Horizontal bars: items [{label, value, text}] (text: what is written after the bar,
// default the value). opts: {width, labelWidth, color, max}.
export function barChart(items, opts) {
  const o = Object.assign({ width: 460, labelWidth: 130, color: "#1f6feb" }, opts || {});
  const max = o.max || Math.max(1, ...items.map((item) => Number(item.value) || 0));
  const room = o.width - o.labelWidth - 150;  // room after the bar for its text
  const height = Math.max(1, items.length) * (BAR_HEIGHT + GAP);
  const chart = svg("svg", { viewBox: "0 0 " + o.width + " " + height, width: "100%", role: "img",
                             class: "chart chart-bars", "aria-label": o.title || "" });
  items.forEach((item, i) => {
    const y = i * (BAR_HEIGHT + GAP);
    const length = Math.max(0, (Number(item.value) || 0) / max) * room;
    const row = svg("g", { class: "bar", "data-label": item.label, "data-value": item.value });
    row.appendChild(svg("text", { x: o.labelWidth - 8, y: y + BAR_HEIGHT / 2 + 5, "text-anchor": "end",
                                  class: "chart-label" }, item.label));
    row.appendChild(svg("rect", { x: o.labelWidth, y, width: Math.max(length, item.value ? 2 : 0),
                                  height: BAR_HEIGHT, rx: 3, fill: item.color || o.color }));
    row.appendChild(svg("text", { x: o.labelWidth + length + 6, y: y + BAR_HEIGHT / 2 + 5, class: "chart-value" },
                        item.text !== undefined ? item.text : String(item.value)));
    chart.appendChild(row);
  });
  return chart;
}

// Columns side by side: items [{label, value}], e.g. the ratings 1..5. opts: {width, height, color}.
export function columnChart(items, opts) {
  const o = Object.assign({ width: 260, height: 150, color: "#1f6feb" }, opts || {});
  const max = Math.max(1, ...items.map((item) => Number(item.value) || 0));
  const slot = o.width / Math.max(1, items.length);
  const room = o.height - 40;
  const chart = svg("svg", { viewBox: "0 0 " + o.width + " " + o.height, width: "100%", role: "img",
                             class: "chart chart-columns", "aria-label": o.title || "" });
  items.forEach((item, i) => {
    const h = ((Number(item.value) || 0) / max) * room;
    const x = i * slot + slot * 0.2;
    const col = svg("g", { class: "column", "data-label": item.label, "data-value": item.value });
    col.appendChild(svg("rect", { x, y: o.height - 20 - h, width: slot * 0.6, height: h, rx: 3, fill: o.color }));
    col.appendChild(svg("text", { x: x + slot * 0.3, y: o.height - 24 - h, "text-anchor": "middle",
                                  class: "chart-value" }, String(item.value)));
    col.appendChild(svg("text", { x: x + slot * 0.3, y: o.height - 5, "text-anchor": "middle",
                                  class: "chart-label" }, item.label));
    chart.appendChild(col);
  });
  return chart;
}
