/* Turning values into the text the agent reads. */

// Any value as text: "" for nothing, JSON for objects.
export function str(value) {
  if (value === null || value === undefined) { return ""; }
  if (typeof value === "object") { return JSON.stringify(value); }
  return String(value);
}

function pad(n) { return (n < 10 ? "0" : "") + n; }

// 75 → "01:15"; 3675 → "1:01:15".
export function formatWait(seconds) {
  seconds = Math.max(0, Math.floor(seconds));
  const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
  return h ? h + ":" + pad(m) + ":" + pad(s) : pad(m) + ":" + pad(s);
}

// An ISO time as the local "HH:MM:SS"; "" when there is none.
export function formatTime(iso) {
  const t = time(iso);
  if (t === null) { return ""; }
  const date = new Date(t);
  return pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":" + pad(date.getSeconds());
}

export function percent(value) {
  const n = Number(value);
  return isFinite(n) ? Math.round(n * 100) + "%" : "";
}

// An ISO time in milliseconds; null when there is none.
export function time(iso) {
  const t = iso ? new Date(iso).getTime() : NaN;
  return isNaN(t) ? null : t;
}

export function isBefore(iso, limit) {
  const t = time(iso);
  return t !== null && t <= limit;
}

// A span of time as a person says it: 「3小时12分」, 「25分钟」, 「2天3小时」; under a minute 「不到1分钟」.
export function formatSpan(seconds) {
  const minutes = Math.floor(Math.max(0, seconds) / 60);
  if (minutes < 1) { return "不到1分钟"; }
  const days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60), rest = minutes % 60;
  if (days) { return days + "天" + (hours ? hours + "小时" : ""); }
  if (hours) { return hours + "小时" + (rest ? rest + "分" : ""); }
  return rest + "分钟";
}

// An ISO time as the local 「12月2日 09:05」; "" when there is none.
export function formatDateTime(iso) {
  const t = time(iso);
  if (t === null) { return ""; }
  const date = new Date(t);
  return (date.getMonth() + 1) + "月" + date.getDate() + "日 " + pad(date.getHours()) + ":" + pad(date.getMinutes());
}
