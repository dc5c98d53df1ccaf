/*
 * 小蜜 agent console: the page human agents and supervisors work in.
 *
 * Served by the handoff service at /console/ and talking to it on the same
 * origin (API contract: handoff/API.md): cookie session from POST /api/auth/login,
 * REST for everything an agent does, and the websocket /ws for what happens
 * meanwhile (new customers in the queue, customer messages, state changes,
 * transfers). Plain JS, no build step, nothing loaded from elsewhere.
 *
 * Every text that comes from the server (customer words, names, summaries,
 * slot values...) is put into the page with textContent or as an SVG text
 * node; innerHTML is never used.
 */
(function () {
  "use strict";

  // --- constants ---------------------------------------------------------------------------

  var REASONS = {
    upset: "情绪激动",
    low_confidence: "机器人未能理解",
    request_human: "客户要求人工",
    complain: "投诉",
    errand_failed: "业务办理失败",
    backend_down: "系统故障"
  };
  var STATES = {
    BOT: "机器人接待",
    QUEUED: "排队中",
    AGENT: "人工接待中",
    CLOSED: "已结束"
  };
  var DISPOSITIONS = {
    resolved: "已解决",
    unresolved: "未解决",
    duplicate: "重复会话",
    spam: "骚扰/垃圾信息"
  };
  var ROLES = { customer: "客户", bot: "小蜜", agent: "客服", system: "系统" };
  var CHANNELS = { socketio: "网页", wechat: "微信", rest: "API", webchat: "网页" };
  var SENTIMENT_LABELS = { negative: "负面", neutral: "中性", positive: "正面" };
  var VIP_LEVELS = ["钻石", "金卡", "钻石会员", "金卡会员"];
  var ROLE_NAMES = { agent: "客服", supervisor: "主管" };
  var SLOT_LABELS = {
    order_id: "订单号", phone: "手机号", tracking_no: "运单号", courier: "快递公司",
    verification_code: "验证码", customer_id: "客户编号", amount: "金额", reason: "原因",
    verified: "已验证身份"
  };
  var ORDER_FIELDS = {
    order_id: "订单号", status: "状态", status_text: "状态", total: "金额", amount: "金额",
    created_at: "下单时间", paid_at: "支付时间", courier: "快递", tracking_no: "运单号",
    items: "商品", product: "商品", title: "商品"
  };
  var MSG = {
    network: "网络连接异常，请检查网络后重试。",
    expired: "登录已过期，请重新登录。",
    badLogin: "用户名或密码错误",
    emptyLogin: "请输入用户名和密码",
    taken: "该会话已被其他客服接入",
    conflict: "该会话状态已变化，已为您刷新。",
    notFound: "该会话不存在或已转给其他客服。",
    forbidden: "您没有权限执行此操作。",
    server: "服务暂时不可用，请稍后重试。",
    rasaDown: "暂时无法连接到客户所在的渠道，本次操作未完成，请稍后重试。",
    generic: "操作未成功，请稍后重试。",
    sent: "",
    noteSaved: "备注已保存（仅客服可见）。",
    transferred: "会话已转接。",
    returned: "会话已转回机器人，机器人将邀请客户评价。",
    closed: "会话已结束。",
    accepted: "已接入会话。",
    assignedToMe: "有一个会话转接给了您。",
    newCustomer: "有新的客户正在排队。",
    noAgents: "暂无其他可转接的客服。",
    empty: "请输入内容后再发送。"
  };
  var TITLE = "人工客服工作台 · 小蜜";
  var RECONNECT_MIN_MS = 1000;
  var RECONNECT_MAX_MS = 30000;
  var REFRESH_MS = 15000;

  // --- state -------------------------------------------------------------------------------

  var me = null;                 // {id, username, display_name, role}
  var current = null;            // the open handoff (detail)
  var currentId = null;
  var seenMessages = {};         // keys of the rendered chat messages of the open handoff
  var liveMessages = {};         // handoff id → messages pushed since its last reload
  var waitRows = [];             // [{el, base, fetchedAt}] for the ticking wait times
  var socket = null;
  var socketAttempts = 0;
  var reconnectTimer = null;
  var refreshTimer = null;
  var tickTimer = null;
  var loggedIn = false;
  var pingTimer = null;
  var PING_MS = 60000;
  var listLoads = 0;

  // --- small helpers -----------------------------------------------------------------------

  function $(id) { return document.getElementById(id); }

  // Builds an element; string children become text nodes (never parsed as HTML).
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) { return; }
      if (key === "className") { node.className = value; }
      else if (key === "text") { node.textContent = String(value); }
      else if (key.indexOf("on") === 0) { node.addEventListener(key.slice(2), value); }
      else { node.setAttribute(key, value === true ? "" : String(value)); }
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) { return; }
      node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
    });
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  function show(node, visible) { node.hidden = !visible; }

  function str(value) {
    if (value === null || value === undefined) { return ""; }
    if (typeof value === "object") { return JSON.stringify(value); }
    return String(value);
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function formatWait(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    return h ? h + ":" + pad(m) + ":" + pad(s) : pad(m) + ":" + pad(s);
  }

  function formatTime(iso) {
    if (!iso) { return ""; }
    var date = new Date(iso);
    if (isNaN(date.getTime())) { return ""; }
    return pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":" + pad(date.getSeconds());
  }

  function percent(value) {
    var n = Number(value);
    return isFinite(n) ? Math.round(n * 100) + "%" : "";
  }

  function reasonText(reason) { return REASONS[reason] || str(reason) || "未知原因"; }
  function stateText(state) { return STATES[state] || str(state); }
  function channelText(channel) { return CHANNELS[channel] || str(channel); }

  // --- notices -----------------------------------------------------------------------------

  var noticeTimer = null;
  function notify(text, kind) {
    if (!text) { return; }
    var box = $("notice");
    $("notice-text").textContent = text;
    box.setAttribute("data-kind", kind || "info");
    show(box, true);
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(function () { show(box, false); }, kind === "error" ? 10000 : 5000);
  }

  // --- HTTP --------------------------------------------------------------------------------

  function ApiError(status, body) {
    this.status = status;
    this.body = body;
  }

  function api(method, path, body) {
    var options = { method: method, credentials: "same-origin", headers: { "Accept": "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(path, options).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        if (text) { try { data = JSON.parse(text); } catch (e) { data = text; } }
        if (!response.ok) { throw new ApiError(response.status, data); }
        return data;
      });
    }, function () {
      throw new ApiError(0, null);  // network failure
    });
  }

  // Turns a failed call into a polite message; 401 sends the agent back to the login form.
  function handleError(error, context) {
    var status = error instanceof ApiError ? error.status : -1;
    if (status === 401) { sessionExpired(); return; }
    if (status === 409) {
      notify(context === "accept" ? MSG.taken : MSG.conflict, "error");
      if (currentId !== null) { openHandoff(currentId, true); }
      refreshLists();
      return;
    }
    if (status === 404) {
      // Accepting what another agent took a moment earlier: the service no longer shows it to
      // this agent (404), which for the agent means the same as a 409.
      if (context === "accept") { closeConversation(); }
      notify(context === "accept" ? MSG.taken : MSG.notFound, "error");
      refreshLists();
      return;
    }
    if (status === 403) { notify(MSG.forbidden, "error"); return; }
    if (status === 0) { notify(MSG.network, "error"); return; }
    if (status === 502) { notify(MSG.rasaDown, "error"); return; }
    if (status >= 500) { notify(MSG.server, "error"); return; }
    if (status === 422 || status === 400) { notify(MSG.generic, "error"); return; }
    if (window.console) { window.console.error(error); }
    notify(MSG.generic, "error");
  }

  // --- login -------------------------------------------------------------------------------

  function showLogin(message) {
    loggedIn = false;
    me = null;
    stopLive();
    show($("app-view"), false);
    show($("login-view"), true);
    var error = $("login-error");
    error.textContent = message || "";
    show(error, !!message);
    $("login-password").value = "";
    $("login-username").focus();
  }

  function sessionExpired() {
    if (!loggedIn) { return; }
    showLogin(MSG.expired);
  }

  function onLogin(event) {
    event.preventDefault();
    var username = $("login-username").value.trim();
    var password = $("login-password").value;
    var error = $("login-error");
    if (!username || !password) {
      error.textContent = MSG.emptyLogin;
      show(error, true);
      return;
    }
    var button = $("login-submit");
    button.disabled = true;
    show(error, false);
    api("POST", "/api/auth/login", { username: username, password: password })
      .then(function () { return api("GET", "/api/auth/me"); })
      .then(startApp)
      .catch(function (err) {
        var status = err instanceof ApiError ? err.status : -1;
        error.textContent = status === 401 || status === 403 ? MSG.badLogin
          : status === 0 ? MSG.network : status === 422 ? MSG.emptyLogin : MSG.server;
        show(error, true);
        $("login-password").value = "";
        $("login-password").focus();
      })
      .then(function () { button.disabled = false; });
  }

  function logout() {
    api("POST", "/api/auth/logout").catch(function () { /* the session ends either way */ })
      .then(function () { showLogin(""); });
  }

  // --- the app -----------------------------------------------------------------------------

  function startApp(profile) {
    me = profile;
    loggedIn = true;
    current = null;
    currentId = null;
    show($("login-view"), false);
    show($("app-view"), true);
    document.body.setAttribute("data-role", me.role || "agent");
    $("me-name").textContent = me.display_name || me.username || "";
    $("me-role").textContent = ROLE_NAMES[me.role] || str(me.role);
    var supervisor = isSupervisor();
    Array.prototype.forEach.call(document.querySelectorAll(".supervisor-only"), function (node) {
      show(node, supervisor);
    });
    closeConversation();
    loadCannedReplies();
    refreshLists();
    connect();
    clearInterval(refreshTimer);
    refreshTimer = setInterval(refreshLists, REFRESH_MS);
    clearInterval(tickTimer);
    tickTimer = setInterval(tickWaits, 1000);
  }

  function stopLive() {
    clearInterval(refreshTimer);
    clearInterval(tickTimer);
    clearTimeout(reconnectTimer);
    clearInterval(pingTimer);
    refreshTimer = tickTimer = reconnectTimer = pingTimer = null;
    if (socket) {
      var old = socket;
      socket = null;
      try { old.close(); } catch (e) { /* already closed */ }
    }
    setConnection("offline");
  }

  function isSupervisor() { return !!me && me.role === "supervisor"; }

  // --- lists: queue, mine, all, agents' load ---------------------------------------------------

  function refreshLists() {
    if (!loggedIn) { return Promise.resolve(); }
    var jobs = [
      api("GET", "/api/queue").then(renderQueue),
      api("GET", "/api/handoffs?state=AGENT").then(renderMine)
    ];
    if (isSupervisor()) {
      jobs.push(api("GET", "/api/handoffs").then(renderAll));
      jobs.push(api("GET", "/api/agents").then(renderLoad));
    }
    return Promise.all(jobs).then(function () {
      // a marker for tests and for styling: how many times the lists were (re)loaded
      listLoads += 1;
      document.body.setAttribute("data-lists-loaded", String(listLoads));
    }).catch(function (error) {
      if (error instanceof ApiError && error.status === 401) { sessionExpired(); }
      else if (error instanceof ApiError && error.status === 0) { setConnection("offline"); }
    });
  }

  function asList(data, key) {
    if (Array.isArray(data)) { return data; }
    if (data && Array.isArray(data[key])) { return data[key]; }
    if (data && Array.isArray(data.items)) { return data.items; }
    return [];
  }

  function customerName(item) {
    var customer = item.customer || (item.package && item.package.customer) || {};
    return item.customer_name || customer.name || "访客";
  }

  function assigneeId(item) {
    if (!item) { return null; }
    if (item.agent_id !== undefined && item.agent_id !== null) { return item.agent_id; }
    if (item.assigned_agent_id !== undefined && item.assigned_agent_id !== null) { return item.assigned_agent_id; }
    var agent = item.agent || item.assignee || item.assigned_agent;
    return agent && typeof agent === "object" ? agent.id : null;
  }

  function assigneeName(item) {
    if (!item) { return ""; }
    var agent = item.agent || item.assignee || item.assigned_agent;
    if (agent && typeof agent === "object") { return agent.display_name || agent.username || ""; }
    return item.agent_name || item.agent_display_name || item.assignee_name || (typeof agent === "string" ? agent : "");
  }

  function isVip(item) {
    var customer = item.customer || (item.package && item.package.customer) || {};
    var level = item.customer_level || item.level || customer.level;
    if (level) { return VIP_LEVELS.indexOf(level) >= 0; }
    // The bot computes priority as +1 VIP, +1 upset (API.md).
    var priority = Number(item.priority) || 0;
    return priority - (item.reason === "upset" ? 1 : 0) >= 1;
  }

  function badges(item) {
    var row = [];
    if (isVip(item)) { row.push(el("span", { className: "badge badge-vip", text: "VIP", title: "重要会员" })); }
    if (item.reason === "upset") { row.push(el("span", { className: "badge badge-upset", text: "情绪", title: "客户情绪激动" })); }
    return row;
  }

  function convRow(item, options) {
    var id = item.id;
    var row = el("li", {
      className: "conv" + (String(id) === String(currentId) ? " conv-active" : ""),
      "data-handoff-id": id,
      "data-state": item.state || (options.queue ? "QUEUED" : ""),
      tabindex: "0",
      role: "button",
      onclick: function () { openHandoff(id); },
      onkeydown: function (event) { if (event.key === "Enter" || event.key === " ") { event.preventDefault(); openHandoff(id); } }
    });
    var top = el("div", { className: "conv-top" }, [
      el("span", { className: "conv-name", text: customerName(item) }),
      el("span", { className: "conv-id", text: "#" + id })
    ].concat(badges(item)));
    var priority = Number(item.priority) || 0;
    if (priority > 0) { top.appendChild(el("span", { className: "badge badge-priority", text: "优先级 " + priority })); }
    row.appendChild(top);
    var meta = el("div", { className: "conv-meta" }, [
      el("span", { className: "conv-reason reason-" + str(item.reason), text: reasonText(item.reason) })
    ]);
    if (item.channel) { meta.appendChild(el("span", { className: "conv-channel", text: channelText(item.channel) })); }
    if (options.queue) {
      if (item.position) { meta.appendChild(el("span", { className: "conv-position", text: "第 " + item.position + " 位" })); }
      var wait = el("span", { className: "conv-wait", title: "已等待" });
      waitRows.push({ el: wait, base: Number(item.waited_seconds) || 0, fetchedAt: Date.now() });
      meta.appendChild(wait);
    } else {
      if (options.showState && item.state) {
        meta.appendChild(el("span", { className: "state-badge state-" + item.state, text: stateText(item.state) }));
      }
      var who = assigneeName(item);
      if (options.showAgent && who) { meta.appendChild(el("span", { className: "conv-agent", text: "客服：" + who })); }
    }
    if (item.unread) { row.classList.add("conv-unread"); }
    row.appendChild(meta);
    return row;
  }

  function fillList(listId, emptyId, countId, items, options) {
    var list = $(listId);
    var unread = {};
    Array.prototype.forEach.call(list.querySelectorAll(".conv-unread"), function (node) {
      unread[node.getAttribute("data-handoff-id")] = true;
    });
    clear(list);
    items.forEach(function (item) {
      var row = convRow(item, options);
      if (unread[String(item.id)] && String(item.id) !== String(currentId)) { row.classList.add("conv-unread"); }
      list.appendChild(row);
    });
    show($(emptyId), items.length === 0);
    $(countId).textContent = String(items.length);
  }

  function renderQueue(data) {
    waitRows = [];
    var items = asList(data, "queue");
    fillList("queue", "queue-empty", "queue-count", items, { queue: true });
    document.title = (items.length ? "(" + items.length + ") " : "") + TITLE;
    tickWaits();
  }

  function renderMine(data) {
    var mine = asList(data, "handoffs").filter(function (item) {
      if (item.state && item.state !== "AGENT") { return false; }
      var owner = assigneeId(item);
      return owner === null || owner === undefined || String(owner) === String(me.id);
    });
    fillList("mine", "mine-empty", "mine-count", mine, {});
  }

  function renderAll(data) {
    fillList("all-conversations", "all-empty", "all-count", asList(data, "handoffs"), { showState: true, showAgent: true });
  }

  function renderLoad(data) {
    var body = $("agent-load").querySelector("tbody");
    clear(body);
    asList(data, "agents").forEach(function (agent) {
      var load = agent.active_conversations;
      body.appendChild(el("tr", { "data-agent-id": agent.id, "data-username": agent.username }, [
        el("td", { className: "load-name", text: agent.display_name || agent.username || "" }),
        el("td", { className: agent.online ? "online" : "offline", text: agent.online ? "在线" : "离线" }),
        el("td", { className: "load-count", text: load === undefined || load === null ? "—" : String(load) })
      ]));
    });
  }

  function tickWaits() {
    var now = Date.now();
    waitRows.forEach(function (row) {
      row.el.textContent = "已等待 " + formatWait(row.base + (now - row.fetchedAt) / 1000);
    });
  }

  function markUnread(handoffId) {
    Array.prototype.forEach.call(document.querySelectorAll('.conv[data-handoff-id="' + Number(handoffId) + '"]'),
      function (node) { node.classList.add("conv-unread"); });
  }

  // --- the open conversation -----------------------------------------------------------------

  function packageOf(handoff) { return (handoff && (handoff.package || handoff)) || {}; }

  function openHandoff(id, quiet) {
    var switching = String(id) !== String(currentId);
    currentId = id;
    Array.prototype.forEach.call(document.querySelectorAll(".conv"), function (node) {
      var mine = node.getAttribute("data-handoff-id") === String(id);
      node.classList.toggle("conv-active", mine);
      if (mine) { node.classList.remove("conv-unread"); }
    });
    return api("GET", "/api/handoffs/" + encodeURIComponent(id)).then(function (handoff) {
      if (String(currentId) !== String(id)) { return; }  // the agent clicked elsewhere meanwhile
      renderHandoff(handoff, switching);
    }).catch(function (error) {
      if (error instanceof ApiError && error.status === 404 && String(currentId) === String(id)) {
        closeConversation();
      }
      if (!quiet || !(error instanceof ApiError) || error.status === 401) { handleError(error); }
    });
  }

  function closeConversation() {
    current = null;
    currentId = null;
    seenMessages = {};
    show($("chat-main"), false);
    show($("chat-placeholder"), true);
    show($("context"), false);
  }

  function isAssignee(handoff) {
    var owner = assigneeId(handoff);
    if (owner === null || owner === undefined) { return true; }  // the service did not say: let it decide
    return String(owner) === String(me.id);
  }

  function renderHandoff(handoff, switching) {
    current = handoff;
    var pkg = packageOf(handoff);
    var customer = pkg.customer || {};
    show($("chat-placeholder"), false);
    show($("chat-main"), true);
    show($("context"), true);
    $("chat-main").setAttribute("data-handoff-id", handoff.id);
    $("chat-customer").textContent = customer.name || handoff.customer_name || "访客";
    $("chat-channel").textContent = channelText(pkg.channel || handoff.channel);
    renderState(handoff.state);
    var who = assigneeName(handoff);
    $("chat-assignee").textContent = who ? "接待客服：" + who : "";
    if (switching) {
      show($("transfer-panel"), false);
      show($("close-panel"), false);
      $("reply").value = "";
      $("note-input").value = "";
    }
    handoff.messages = withLiveMessages(handoff.id, handoff.messages || []);
    renderMessages(handoff.messages);
    renderContext(handoff);
    renderNotes(handoff.notes || []);
  }

  function renderState(state) {
    var badge = $("chat-state");
    badge.textContent = stateText(state);
    badge.className = "state-badge state-" + str(state);
    $("chat-main").setAttribute("data-state", str(state));
    if (current) { current.state = state; }
    updateActions();
  }

  function updateActions() {
    var state = current ? current.state : null;
    var holder = current && state === "AGENT" && isAssignee(current);
    var manage = current && state === "AGENT" && (holder || isSupervisor());
    show($("btn-accept"), state === "QUEUED");
    show($("btn-transfer"), !!manage);
    show($("btn-return"), !!manage);
    show($("btn-close"), !!manage);
    if (!manage) { show($("transfer-panel"), false); show($("close-panel"), false); }
    $("reply").disabled = !holder;
    $("send").disabled = !holder;
    var hint = "";
    if (state === "QUEUED") { hint = "接入会话后即可回复客户"; }
    else if (state === "AGENT" && !holder) { hint = "该会话由其他客服接待"; }
    else if (state === "BOT") { hint = "会话已转回机器人"; }
    else if (state === "CLOSED") { hint = "会话已结束" + (current && current.disposition ? "（" + (DISPOSITIONS[current.disposition] || current.disposition) + "）" : ""); }
    $("composer-hint").textContent = hint;
    var canNote = current && (holder || isSupervisor());
    $("note-input").disabled = !canNote;
    $("note-save").disabled = !canNote;
  }

  // --- chat messages -----------------------------------------------------------------------

  function messageKey(message) {
    if (message.id !== undefined && message.id !== null) { return "id:" + message.id; }
    return [message.role, message.at, message.text].join("|");
  }

  // Messages pushed while a reload of the conversation was on its way may be missing from
  // its answer: they are kept and merged in, in time order, until an answer includes them.
  function withLiveMessages(handoffId, fetched) {
    var keys = {};
    fetched.forEach(function (m) { keys[messageKey(m)] = true; });
    var missing = (liveMessages[handoffId] || []).filter(function (m) { return !keys[messageKey(m)]; });
    liveMessages[handoffId] = missing;
    if (!missing.length) { return fetched; }
    return fetched.concat(missing).map(function (m, i) { return { m: m, i: i, t: time(m.at) || 0 }; })
      .sort(function (a, b) { return a.t - b.t || a.i - b.i; })
      .map(function (x) { return x.m; });
  }

  function renderMessages(messages) {
    var list = $("messages");
    clear(list);
    seenMessages = {};
    var before = handoffStart(current);
    messages.forEach(function (message) { appendMessage(message, false, false, before); });
    list.scrollTop = list.scrollHeight;
  }

  // `live`: it arrived after the conversation was opened (websocket, own reply).
  // `before`: the time the handoff opened; earlier messages are the bot's part, shown as history.
  function appendMessage(message, scroll, live, before) {
    if (!message) { return; }
    // The same turn may be stored twice (in the handoff package and again from Rasa's event
    // broker, when the broker's copy arrives after the handoff opened): shown once.
    var key = messageKey(message);
    var sameTurn = "turn:" + [message.role, message.at, message.text].join("|");
    if (seenMessages[key] || (message.role !== "system" && seenMessages[sameTurn])) { return; }
    seenMessages[key] = true;
    seenMessages[sameTurn] = true;
    var role = ROLES[message.role] ? message.role : "system";
    var label = role === "agent" ? (message.agent_name ? "客服 " + message.agent_name : "客服")
      : role === "customer" ? (current ? ($("chat-customer").textContent || "客户") : "客户") : ROLES[role];
    var head = el("div", { className: "msg-head" }, [
      el("span", { className: "msg-who", text: label }),
      el("time", { className: "msg-time", text: formatTime(message.at) })
    ]);
    if (role === "customer") {
      if (message.intent) {
        head.appendChild(el("span", { className: "msg-intent", text: message.intent + (message.confidence !== undefined && message.confidence !== null ? " " + percent(message.confidence) : "") }));
      }
      var sentiment = message.sentiment;
      if (sentiment && sentiment.label) {
        head.appendChild(el("span", { className: "msg-sentiment sentiment-" + sentiment.label,
          text: (SENTIMENT_LABELS[sentiment.label] || sentiment.label) + (sentiment.score !== undefined ? " " + Number(sentiment.score).toFixed(2) : "") }));
      }
    }
    var history = role !== "system" && before !== undefined && before !== null && isBefore(message.at, before);
    var item = el("li", { className: "msg msg-" + role + (history ? " msg-history" : ""), "data-role": role,
                          "data-message-id": message.id }, [
      head,
      el("div", { className: "msg-text", text: str(message.text) })
    ]);
    var list = $("messages");
    var nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    list.appendChild(item);
    if (scroll !== false || nearBottom) { list.scrollTop = list.scrollHeight; }
    if (live && current) {
      (liveMessages[current.id] = liveMessages[current.id] || []).push(message);
      current.messages = (current.messages || []).concat([message]);
      if (role === "customer" && message.sentiment) { renderSentiment(current); }
    }
  }

  function sendReply() {
    if (!current) { return; }
    var box = $("reply");
    var text = box.value.trim();
    if (!text) { notify(MSG.empty, "info"); return; }
    var id = current.id;
    var button = $("send");
    button.disabled = true;
    box.value = "";  // at once, so that a second Enter does not send it twice; restored on failure
    api("POST", "/api/handoffs/" + encodeURIComponent(id) + "/messages", { text: text })
      .then(function (stored) {
        if (String(currentId) !== String(id)) { return; }
        var message = stored && stored.message ? stored.message : stored;
        if (message && message.text !== undefined && message.role) { appendMessage(message, true, true); }
        else { return openHandoff(id, true); }
      })
      .catch(function (error) {
        if (!box.value && String(currentId) === String(id)) { box.value = text; }
        handleError(error, "send");
      })
      .then(function () { updateActions(); box.focus(); });
  }

  function onReplyKey(event) {
    // Enter sends, Shift+Enter breaks the line; never while an IME is composing (pinyin input).
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) { return; }
    event.preventDefault();
    sendReply();
  }

  // --- canned replies ----------------------------------------------------------------------

  function loadCannedReplies() {
    api("GET", "/api/canned-replies").then(function (data) {
      var list = $("canned-list");
      clear(list);
      asList(data, "canned_replies").forEach(function (reply) {
        list.appendChild(el("li", {}, [
          el("button", {
            type: "button", className: "canned-item", title: reply.text, "data-canned-id": reply.id,
            onclick: function () {
              var box = $("reply");
              if (box.disabled) { return; }
              box.value = reply.text || "";
              box.focus();
              box.setSelectionRange(box.value.length, box.value.length);
              $("canned").open = false;
            }
          }, [el("span", { className: "canned-title", text: reply.title || "" }),
              el("span", { className: "canned-text", text: reply.text || "" })])
        ]));
      });
    }).catch(function (error) {
      if (error instanceof ApiError && error.status === 401) { sessionExpired(); }
    });
  }

  // --- context panel -----------------------------------------------------------------------

  function kvRow(list, key, value, className) {
    list.appendChild(el("dt", { text: key }));
    list.appendChild(el("dd", { className: className || null, text: value }));
  }

  function renderContext(handoff) {
    var pkg = packageOf(handoff);
    $("ctx-summary").textContent = pkg.summary || "（无摘要）";

    var customer = pkg.customer || {};
    var info = $("ctx-customer");
    clear(info);
    kvRow(info, "姓名", customer.name || "未知");
    if (customer.id) { kvRow(info, "客户编号", customer.id); }
    kvRow(info, "手机号", customer.phone_masked || "未提供", "ctx-phone");
    kvRow(info, "会员等级", customer.level || "普通/未知", "ctx-level");
    kvRow(info, "身份验证", customer.verified ? "已验证" : "未验证", customer.verified ? "verified" : "unverified");
    kvRow(info, "渠道", channelText(pkg.channel || handoff.channel) || "未知");

    var reason = pkg.reason || handoff.reason;
    var reasonBadge = $("ctx-reason");
    reasonBadge.textContent = reasonText(reason);
    reasonBadge.className = "reason-badge reason-" + str(reason);
    var trigger = pkg.trigger;
    var reading = "";
    if (trigger && typeof trigger === "object") {
      reading = trigger.reading ? str(trigger.reading) : "";
      var rest = Object.keys(trigger).filter(function (k) { return k !== "reading"; })
        .map(function (k) { return k + "：" + str(trigger[k]); });
      if (rest.length) { reading += (reading ? "；" : "") + rest.join("；"); }
    } else if (trigger) {
      reading = str(trigger);
    }
    $("ctx-trigger").textContent = reading ? "触发读数：" + reading : "";

    renderSentiment(handoff);
    renderTranscript(transcriptOf(handoff));

    var slots = $("ctx-slots");
    clear(slots);
    var slotValues = pkg.slots || {};
    var slotKeys = Object.keys(slotValues).filter(function (k) {
      var v = slotValues[k];
      return v !== null && v !== undefined && v !== "";
    });
    slotKeys.forEach(function (key) {
      var value = slotValues[key];
      value = value === true ? "是" : value === false ? "否" : str(value);
      kvRow(slots, SLOT_LABELS[key] ? SLOT_LABELS[key] + "（" + key + "）" : key, value, "slot-" + key);
    });
    if (!slotKeys.length) { slots.appendChild(el("dd", { className: "empty", text: "无" })); }

    var orders = $("ctx-orders");
    clear(orders);
    var orderList = Array.isArray(pkg.orders) ? pkg.orders : [];
    orderList.forEach(function (order) {
      var card = el("dl", { className: "kv order", "data-order-id": order.order_id || "" });
      Object.keys(order).forEach(function (key) {
        var value = order[key];
        if (value === null || value === undefined || value === "") { return; }
        if (key === "status" && order.status_text) { return; }  // the Chinese text says it
        if (Array.isArray(value)) {
          value = value.map(function (v) {
            return v && typeof v === "object" ? (v.name || v.title || v.sku || JSON.stringify(v)) + (v.quantity || v.qty ? " ×" + (v.quantity || v.qty) : "") : str(v);
          }).join("，");
        }
        kvRow(card, ORDER_FIELDS[key] || key, str(value), key === "order_id" ? "order-id" : null);
      });
      orders.appendChild(card);
    });
    if (!orderList.length) { orders.appendChild(el("p", { className: "empty", text: "无" })); }
  }

  function time(iso) {
    var t = iso ? new Date(iso).getTime() : NaN;
    return isNaN(t) ? null : t;
  }

  function isBefore(iso, limit) {
    var t = time(iso);
    return t !== null && t <= limit;
  }

  // When the handoff was opened (ms), with a second of slack for rounding.
  function handoffStart(handoff) {
    var t = handoff ? time(handoff.created_at) : null;
    return t === null ? null : t + 1000;
  }

  // The conversation with the bot before the handoff: the package's transcript when the
  // service returns it, else the messages stored before the handoff was opened.
  function transcriptOf(handoff) {
    var pkg = packageOf(handoff);
    if (Array.isArray(pkg.transcript)) { return pkg.transcript; }
    var start = handoffStart(handoff);
    var seen = {};
    return (handoff.messages || []).filter(function (m) {
      var turn = [m.role, m.at, m.text].join("|");
      if (m.role === "system" || seen[turn] || (start !== null && !isBefore(m.at, start))) { return false; }
      seen[turn] = true;
      return true;
    });
  }

  function renderTranscript(transcript) {
    var list = $("ctx-transcript");
    clear(list);
    transcript.forEach(function (turn) {
      var role = ROLES[turn.role] ? turn.role : "system";
      var meta = el("div", { className: "turn-meta" }, [
        el("span", { className: "turn-who", text: role === "agent" && turn.agent_name ? "客服 " + turn.agent_name : ROLES[role] }),
        el("time", { text: formatTime(turn.at) })
      ]);
      if (role === "customer") {
        if (turn.intent) {
          meta.appendChild(el("span", { className: "turn-intent", title: "意图及置信度",
            text: turn.intent + (turn.confidence !== undefined && turn.confidence !== null ? " · " + percent(turn.confidence) : "") }));
        }
        if (turn.sentiment && turn.sentiment.label) {
          meta.appendChild(el("span", { className: "msg-sentiment sentiment-" + turn.sentiment.label,
            text: (SENTIMENT_LABELS[turn.sentiment.label] || turn.sentiment.label) +
                  (turn.sentiment.score !== undefined ? " " + Number(turn.sentiment.score).toFixed(2) : "") }));
        }
      }
      list.appendChild(el("li", { className: "turn turn-" + role }, [meta, el("div", { className: "turn-text", text: str(turn.text) })]));
    });
    if (!transcript.length) { list.appendChild(el("li", { className: "empty", text: "无" })); }
  }

  // The customer turns with a sentiment reading: the bot's transcript, then what came during the handoff.
  function sentimentTurns(handoff) {
    var pkg = packageOf(handoff);
    var turns = [];
    var seen = {};
    function add(turn) {
      if (!turn || turn.role !== "customer" || !turn.sentiment) { return; }
      var score = Number(turn.sentiment.score);
      if (!isFinite(score)) { return; }
      // the same turn may come in the package and among the messages, its time written differently
      var when = turn.at ? new Date(turn.at).getTime() : NaN;
      var key = str(turn.text) + "|" + (isNaN(when) ? str(turn.at) : Math.round(when / 1000));
      if (seen[key]) { return; }
      seen[key] = true;
      turns.push({ text: str(turn.text), score: Math.max(0, Math.min(1, score)), label: turn.sentiment.label, at: turn.at });
    }
    (pkg.transcript || []).forEach(add);
    (handoff.messages || []).forEach(add);
    return turns;
  }

  var SVG_NS = "http://www.w3.org/2000/svg";
  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, String(attrs[key])); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function renderSentiment(handoff) {
    var box = $("ctx-sentiment");
    clear(box);
    var turns = sentimentTurns(handoff);
    if (!turns.length) { box.appendChild(el("p", { className: "empty", text: "无情绪数据" })); return; }
    var W = 300, H = 130, left = 30, right = 16, top = 10, bottom = 24;
    var plotW = W - left - right, plotH = H - top - bottom;
    var chart = svg("svg", { viewBox: "0 0 " + W + " " + H, width: "100%", role: "img",
                             "class": "sentiment-chart", "data-points": turns.length });
    chart.appendChild(svg("title", {}, "每轮客户消息的负面情绪概率"));
    function x(i) { return left + (turns.length === 1 ? plotW / 2 : (plotW * i) / (turns.length - 1)); }
    function y(score) { return top + plotH * (1 - score); }
    [0, 0.5, 1].forEach(function (v) {
      chart.appendChild(svg("line", { x1: left, x2: W - right, y1: y(v), y2: y(v), "class": "grid" }));
      chart.appendChild(svg("text", { x: left - 4, y: y(v) + 3, "text-anchor": "end", "class": "axis" }, v.toFixed(1)));
    });
    chart.appendChild(svg("rect", { x: left, y: y(1), width: plotW, height: y(0.5) - y(1), "class": "danger-zone" }));
    if (turns.length > 1) {
      chart.appendChild(svg("polyline", {
        points: turns.map(function (t, i) { return x(i).toFixed(1) + "," + y(t.score).toFixed(1); }).join(" "),
        "class": "curve"
      }));
    }
    turns.forEach(function (t, i) {
      var point = svg("circle", { cx: x(i).toFixed(1), cy: y(t.score).toFixed(1), r: 4,
                                  "class": "sentiment-point sentiment-" + str(t.label), "data-score": t.score });
      point.appendChild(svg("title", {}, "第 " + (i + 1) + " 轮：" + t.score.toFixed(2) + "（" +
        (SENTIMENT_LABELS[t.label] || str(t.label)) + "）" + t.text));
      chart.appendChild(point);
      chart.appendChild(svg("text", { x: x(i), y: H - 8, "text-anchor": "middle", "class": "axis" }, String(i + 1)));
    });
    box.appendChild(chart);
    box.appendChild(el("p", { className: "sentiment-legend",
      text: "横轴：客户第几轮消息；纵轴：负面情绪概率，越高越负面。最新一轮：" + turns[turns.length - 1].score.toFixed(2) }));
  }

  // --- notes -------------------------------------------------------------------------------

  function renderNotes(notes) {
    var list = $("notes");
    clear(list);
    notes.forEach(function (note) { list.appendChild(noteRow(note)); });
  }

  function noteRow(note) {
    var author = note.agent_name || note.author || note.author_name || (note.agent && note.agent.display_name) || "";
    return el("li", { className: "note" }, [
      el("div", { className: "note-head" }, [
        el("span", { className: "note-tag", text: "内部备注" }),
        el("span", { className: "note-author", text: author }),
        el("time", { text: formatTime(note.at || note.created_at) })
      ]),
      el("div", { className: "note-text", text: str(note.text) })
    ]);
  }

  function saveNote() {
    if (!current) { return; }
    var box = $("note-input");
    var text = box.value.trim();
    if (!text) { notify(MSG.empty, "info"); return; }
    var id = current.id;
    $("note-save").disabled = true;
    api("POST", "/api/handoffs/" + encodeURIComponent(id) + "/notes", { text: text })
      .then(function (note) {
        box.value = "";
        if (String(currentId) !== String(id)) { return; }
        if (note && note.text !== undefined) { $("notes").appendChild(noteRow(note)); }
        else { return openHandoff(id, true); }
        notify(MSG.noteSaved, "info");
      })
      .catch(function (error) { handleError(error, "note"); })
      .then(updateActions);
  }

  // --- actions: accept, transfer, return, close --------------------------------------------------

  function act(path, body, done, context, after) {
    if (!current) { return; }
    var id = current.id;
    Array.prototype.forEach.call(document.querySelectorAll(".chat-actions button, .inline-panel button"),
      function (button) { button.disabled = true; });
    api("POST", "/api/handoffs/" + encodeURIComponent(id) + "/" + path, body)
      .then(function (result) {
        notify(done, "info");
        if (after) { after(result); }
        var reload = String(currentId) === String(id) ? openHandoff(id, true) : null;
        return Promise.all([reload, refreshLists()]).then(function () { return result; });
      })
      .catch(function (error) { handleError(error, context || path); })
      .then(function () {
        Array.prototype.forEach.call(document.querySelectorAll(".chat-actions button, .inline-panel button"),
          function (button) { button.disabled = false; });
        updateActions();
        if (path === "accept" && !$("reply").disabled) { $("reply").focus(); }
      });
  }

  function openTransfer() {
    show($("close-panel"), false);
    var select = $("transfer-agent");
    clear(select);
    api("GET", "/api/agents").then(function (data) {
      var others = asList(data, "agents").filter(function (agent) {
        return String(agent.id) !== String(me.id) && String(agent.id) !== String(assigneeId(current));
      });
      if (!others.length) { notify(MSG.noAgents, "info"); return; }
      others.forEach(function (agent) {
        var label = (agent.display_name || agent.username) + (agent.online ? "（在线" : "（离线") +
          (agent.active_conversations !== undefined && agent.active_conversations !== null ? "，进行中 " + agent.active_conversations : "") + "）";
        select.appendChild(el("option", { value: agent.id, "data-username": agent.username, text: label }));
      });
      show($("transfer-panel"), true);
      select.focus();
    }).catch(function (error) { handleError(error, "agents"); });
  }

  // --- websocket ---------------------------------------------------------------------------

  function setConnection(state) {
    var node = $("connection");
    node.setAttribute("data-state", state);
    node.textContent = state === "online" ? "实时连接正常" : state === "connecting" ? "连接中…" : "实时连接已断开，正在重连…";
  }

  function connect() {
    if (!loggedIn) { return; }
    clearTimeout(reconnectTimer);
    setConnection("connecting");
    var url = (location.protocol === "https:" ? "wss:" : "ws:") + "//" + location.host + "/ws";
    var ws;
    try { ws = new WebSocket(url); } catch (e) { scheduleReconnect(); return; }
    socket = ws;
    ws.onopen = function () {
      if (socket !== ws) { return; }
      var reconnected = socketAttempts > 0;
      socketAttempts = 0;
      setConnection("online");
      clearInterval(pingTimer);
      pingTimer = setInterval(function () {
        // anything sent marks the agent as still online (handoff/routers/ws.py)
        if (socket === ws && ws.readyState === 1) { try { ws.send("ping"); } catch (e) { /* onclose follows */ } }
      }, PING_MS);
      if (reconnected) {
        // catch up with what happened while the socket was down
        refreshLists();
        if (currentId !== null) { openHandoff(currentId, true); }
      }
    };
    ws.onmessage = function (event) {
      if (socket !== ws) { return; }
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      onPush(data);
    };
    ws.onclose = function (event) {
      if (socket !== ws) { return; }
      clearInterval(pingTimer);
      socket = null;
      if (!loggedIn) { return; }
      if (event.code === 4401 || event.code === 1008 || event.code === 4403) {
        // the server refused the session: check it before trying again
        api("GET", "/api/auth/me").then(function () { scheduleReconnect(); }, function (error) {
          if (error instanceof ApiError && error.status === 401) { sessionExpired(); } else { scheduleReconnect(); }
        });
        return;
      }
      scheduleReconnect();
    };
    ws.onerror = function () { /* onclose follows */ };
  }

  function scheduleReconnect() {
    if (!loggedIn) { return; }
    setConnection("offline");
    var delay = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * Math.pow(2, socketAttempts));
    delay = delay / 2 + Math.random() * delay / 2;  // jitter, so that agents do not reconnect in lockstep
    socketAttempts += 1;
    clearTimeout(reconnectTimer);
    reconnectTimer = setTimeout(connect, delay);
  }

  function onPush(data) {
    if (!data || typeof data !== "object") { return; }
    var isCurrent = data.handoff_id !== undefined && String(data.handoff_id) === String(currentId);
    switch (data.type) {
      case "queue":
        refreshLists();
        break;
      case "message":
        if (isCurrent) { appendMessage(data.message, true, true); }
        else { markUnread(data.handoff_id); }
        break;
      case "handoff":
        if (isCurrent) {
          var wasQueued = current && current.state === "QUEUED";
          renderState(data.state);
          openHandoff(currentId, true).then(function () {
            // another agent accepted the conversation this agent was looking at
            if (wasQueued && currentId === null) { notify(MSG.taken, "info"); }
          });
        }
        refreshLists();
        break;
      case "assigned":
        notify(MSG.assignedToMe, "info");
        refreshLists().then(function () { markUnread(data.handoff_id); });
        if (isCurrent) { openHandoff(currentId, true); }
        break;
      default:
        break;
    }
  }

  // --- wiring ------------------------------------------------------------------------------

  function init() {
    $("login-form").addEventListener("submit", onLogin);
    $("logout").addEventListener("click", logout);
    $("notice-close").addEventListener("click", function () { show($("notice"), false); });
    $("reply").addEventListener("keydown", onReplyKey);
    $("send").addEventListener("click", sendReply);
    $("note-save").addEventListener("click", saveNote);
    $("btn-accept").addEventListener("click", function () {
      act("accept", undefined, MSG.accepted, "accept");
    });
    $("btn-transfer").addEventListener("click", openTransfer);
    $("transfer-cancel").addEventListener("click", function () { show($("transfer-panel"), false); });
    $("transfer-confirm").addEventListener("click", function () {
      var agentId = $("transfer-agent").value;
      if (!agentId) { return; }
      var numeric = Number(agentId);
      act("transfer", { agent_id: isFinite(numeric) && String(numeric) === agentId ? numeric : agentId }, MSG.transferred,
          "transfer", function () {
            // an agent no longer sees a conversation handed to someone else; a supervisor still does
            if (!isSupervisor()) { closeConversation(); }
          });
    });
    $("btn-return").addEventListener("click", function () { act("return", undefined, MSG.returned); });
    $("btn-close").addEventListener("click", function () {
      show($("transfer-panel"), false);
      show($("close-panel"), true);
      $("close-disposition").focus();
    });
    $("close-cancel").addEventListener("click", function () { show($("close-panel"), false); });
    $("close-confirm").addEventListener("click", function () {
      act("close", { disposition: $("close-disposition").value }, MSG.closed);
    });

    api("GET", "/api/auth/me").then(startApp).catch(function (error) {
      var status = error instanceof ApiError ? error.status : -1;
      showLogin(status === 401 || status === 403 ? "" : status === 0 ? MSG.network : "");
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); }
  else { init(); }
})();
