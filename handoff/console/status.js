/* What the top of the page tells the agent: passing notices and the live connection's state. */
import { $, show } from "./dom.js";
import { CONNECTION } from "./labels.js";
import { state } from "./state.js";

// A notice for 5 seconds (errors: 10); kind "info" or "error".
export function notify(text, kind) {
  if (!text) { return; }
  const box = $("notice");
  $("notice-text").textContent = text;
  box.setAttribute("data-kind", kind || "info");
  show(box, true);
  clearTimeout(state.timers.notice);
  state.timers.notice = setTimeout(() => show(box, false), kind === "error" ? 10000 : 5000);
}

export function hideNotice() { show($("notice"), false); }

// "online", "connecting" or "offline".
export function setConnection(connection) {
  const node = $("connection");
  node.setAttribute("data-state", connection);
  node.textContent = CONNECTION[connection] || CONNECTION.offline;
}
