/*
 * What the console says.
 *
 * Labels of the service's codes (reasons, states, dispositions, roles, sentiments, channels)
 * come from the service itself (GET /api/labels, written in contract/ on the server) and are
 * loaded once per page into state.labels. The texts below are the console's own.
 */
import { api, statusOf } from "./api.js";
import { state } from "./state.js";
import { str } from "./format.js";

export const TITLE = "人工客服工作台 · 小蜜";

export const MSG = {
  network: "网络连接异常，请检查网络后重试。",
  expired: "登录已过期，请重新登录。",
  badLogin: "用户名或密码错误",
  tooMany: "登录尝试过于频繁，请稍后再试。",
  emptyLogin: "请输入用户名和密码",
  taken: "该会话已被其他客服接入",
  conflict: "该会话状态已变化，已为您刷新。",
  notFound: "该会话不存在或已转给其他客服。",
  forbidden: "您没有权限执行此操作。",
  server: "服务暂时不可用，请稍后重试。",
  rasaDown: "暂时无法连接到客户所在的渠道，本次操作未完成，请稍后重试。",
  generic: "操作未成功，请稍后重试。",
  noteSaved: "备注已保存（仅客服可见）。",
  transferred: "会话已转接。",
  returned: "会话已转回机器人，机器人将邀请客户评价。",
  closed: "会话已结束。",
  accepted: "已接入会话。",
  assignedToMe: "有一个会话转接给了您。",
  noAgents: "暂无其他可转接的客服。",
  empty: "请输入内容后再发送。",
  sending: "发送中…",
  notDelivered: "未送达：",
  resend: "重发",
  resent: "已重新送达。",
  ticketClaimed: "已受理该工单。",
  ticketTaken: "该工单已被其他客服受理",
  ticketAnswered: "答复已发送。",
  ticketResolved: "工单已标记为已解决。",
  ticketClosed: "工单已关闭。",
  ticketReopened: "工单已重新打开。",
  ticketAssigned: "工单已指派。",
  ticketConflict: "该工单状态已变化，已为您刷新。",
  ticketNotFound: "该工单不存在或已转给其他客服。",
  delivered: "已送达",
  nextContact: "客户下次发言时送达",
};

// Ticket alerts (websocket ticket_alert): 「工单 GD… 首次响应即将超时」.
export const ALERT_WORDS = { at_risk: "即将超时", breached: "已超时" };

export const CONNECTION = {
  online: "实时连接正常",
  connecting: "连接中…",
  offline: "实时连接已断开，正在重连…",
};

// Slots the bot hands over, by name.
export const SLOT_LABELS = {
  order_id: "订单号", phone: "手机号", tracking_no: "运单号", courier: "快递公司",
  verification_code: "验证码", customer_id: "客户编号", amount: "金额", reason: "原因",
  verified: "已验证身份",
};

// Fields of the orders the bot hands over.
export const ORDER_FIELDS = {
  order_id: "订单号", status: "状态", status_text: "状态", total: "金额", amount: "金额",
  created_at: "下单时间", paid_at: "支付时间", courier: "快递", tracking_no: "运单号",
  items: "商品", product: "商品", title: "商品",
};

// Loads the service's labels once; without them the console shows the codes themselves.
export async function loadLabels() {
  if (state.labelsLoaded) { return; }
  try {
    const labels = await api("GET", "/api/labels");
    for (const kind of Object.keys(state.labels)) {
      if (labels && labels[kind] && typeof labels[kind] === "object") { state.labels[kind] = labels[kind]; }
    }
    state.labelsLoaded = true;
  } catch (error) {
    if (statusOf(error) === 401) { throw error; }
    if (window.console) { window.console.error("display labels unavailable", error); }
  }
}

// The label of `code` among the service's labels of `kind` (reasons, states...); the code if there is none.
export function label(kind, code) {
  return state.labels[kind][code] || str(code);
}

// The short form: the queue and the context badge have little room.
export function reasonText(reason) { return label("reasons_short", reason) || "未知原因"; }
