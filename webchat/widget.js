/*
 * 小蜜 web chat widget: a floating chat window for a shop's pages.
 *
 *   <script src="https://bot.example.com/webchat/widget.js"></script>
 *   <script>
 *     XiaomiChat.init({
 *       serverUrl: "https://bot.example.com",   // the Rasa server (default: where this script came from)
 *       greeting: "您好，欢迎光临！有什么可以帮您？",
 *       identityToken: "<token the shop's server signed for the logged-in customer>"  // optional
 *     });
 *   </script>
 *
 * Talks to Rasa's socket.io channel (bot.channels.webchat.WebChatInput):
 * `session_request` / `session_confirm`, `user_uttered` / `bot_uttered`, and
 * `chat_history` (the transcript of a resumed session). The server issues the
 * session: `session_confirm` brings `{session_id, session_token}`; the widget keeps
 * the signed token in localStorage and presents it on the next `session_request`
 * to come back to the same conversation (the server answers a refused or expired
 * token with a new session). Messages carry no session id: the server takes them
 * for the session bound to the socket.
 * Plain JS, no build step, one script tag for the shop. From the folder of this script it
 * loads widget.css, the DOM helper module dom.js (the agent console's own, handoff/console/dom.js:
 * one el() for both pages) and, unless the page already has `io`, vendor/socket.io.min.js.
 * The window appears once dom.js is in. Every bot, agent and customer text is put into the
 * page with textContent.
 */
(function (global) {
  "use strict";

  var MAX_INPUT_CHARS = 500;
  var STORAGE_KEY = "xiaomi-webchat:session";
  var OPEN_KEY = "xiaomi-webchat:open";
  var TYPING_TIMEOUT_MS = 20000;
  var TEXT = {
    title: "在线客服",
    subtitle: "小蜜为您服务",
    launcher: "在线客服",
    close: "收起",
    placeholder: "请输入您的问题…",
    send: "发送",
    typing: "客服正在输入",
    you: "我",
    bot: "小蜜",
    agentPrefix: "人工客服",
    tooLong: "消息最多 " + MAX_INPUT_CHARS + " 字，超出的部分已截去，内容较多时请分几条发送。",
    offline: "网络连接已断开，正在重新连接…",
    greeting: "您好，欢迎光临！我是智能客服小蜜，有什么可以帮您？"
  };

  var currentScript = document.currentScript;
  var scriptBase = (function () {
    var src = currentScript && currentScript.src;
    if (!src) { return global.location.origin + "/webchat/"; }
    return src.replace(/[^/]*([?#].*)?$/, "");
  })();

  function chars(text) { return Array.from(text || ""); }

  // Who the shop says the customer is, read (not verified: the server does that)
  // from the token's payload; used only to keep customers' sessions apart.
  function identityOf(token) {
    if (!token) { return ""; }
    try {
      var part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      var binary = global.atob(part + "===".slice((part.length + 3) % 4));
      var bytes = Uint8Array.from(binary, function (c) { return c.charCodeAt(0); });
      var claims = JSON.parse(new TextDecoder().decode(bytes));
      if (claims.shop_customer_id) { return "customer:" + claims.shop_customer_id; }
      if (claims.channel && claims.external_id) { return claims.channel + ":" + claims.external_id; }
    } catch (e) { /* not a token we can read: treat as anonymous */ }
    return "";
  }

  function storageGet(key) {
    try { return global.localStorage.getItem(key); } catch (e) { return null; }
  }
  function storageSet(key, value) {
    try { global.localStorage.setItem(key, value); } catch (e) { /* private mode: session lasts the page */ }
  }

  // The session the server issued: its id (Rasa's sender_id) and the signed token that
  // brings this browser back to it. A new customer on the same browser (another login,
  // or a logout) starts a new conversation; a guest who logs in keeps it.
  function loadSession(identity) {
    var saved = null;
    try { saved = JSON.parse(storageGet(STORAGE_KEY) || "null"); } catch (e) { saved = null; }
    var keep = !!saved && typeof saved.token === "string" && saved.token.length <= 200;
    if (keep && saved.identity && saved.identity !== identity) { keep = false; }
    var session = keep ? { id: String(saved.id || ""), token: saved.token, identity: identity }
                       : { id: "", token: "", identity: identity };
    storageSet(STORAGE_KEY, JSON.stringify(session));
    return session;
  }

  // el(tag, attrs, children) of the shared DOM helper, once loadDom() has brought it in.
  var el = null;
  var domLoading = null;

  function loadDom() {
    if (!domLoading) {
      domLoading = import(scriptBase + "dom.js").then(function (dom) { el = dom.el; });
    }
    return domLoading;
  }

  function loadScript(src, done) {
    var script = document.createElement("script");
    script.src = src;
    script.async = true;
    script.onload = function () { done(null); };
    script.onerror = function () { done(new Error("could not load " + src)); };
    document.head.appendChild(script);
  }

  function loadStyles(href) {
    if (document.querySelector('link[data-xiaomi-webchat]')) { return; }
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    link.setAttribute("data-xiaomi-webchat", "");
    document.head.appendChild(link);
  }

  function Chat(options) {
    options = options || {};
    this.serverUrl = (options.serverUrl || new URL(scriptBase).origin).replace(/\/+$/, "");
    this.socketPath = options.socketPath || "/socket.io/";
    this.greeting = options.greeting || TEXT.greeting;
    this.title = options.title || TEXT.title;
    this.identityToken = options.identityToken || "";
    this.session = loadSession(identityOf(this.identityToken));
    this.socket = null;
    this.outbox = [];
    this.ready = false;  // true once this connection's history is shown
    this.readyTimer = null;
    this.typingTimer = null;
    var self = this;
    var container = options.container || document.body;
    var open = options.open !== undefined ? !!options.open : storageGet(OPEN_KEY) === "1";
    loadDom().then(function () {
      self.build(container);
      self.setOpen(open);
    }, function (error) {
      if (global.console) { global.console.error("XiaomiChat: could not load " + scriptBase + "dom.js", error); }
    });
  }

  Chat.prototype.build = function (container) {
    var self = this;
    var title = el("div", { className: "xm-titles" }, [
      el("div", { className: "xm-title", text: this.title }),
      el("div", { className: "xm-subtitle", text: TEXT.subtitle })
    ]);
    var close = el("button", { className: "xm-close", type: "button", "aria-label": TEXT.close, text: "×",
                               onclick: function () { self.setOpen(false); } });
    this.banner = el("div", { className: "xm-banner", text: TEXT.offline, hidden: true });
    this.log = el("div", { className: "xm-messages", role: "log", "aria-live": "polite" });
    this.typing = el("div", { className: "xm-typing", "aria-label": TEXT.typing, hidden: true }, [
      el("span", { className: "xm-typing-label", text: TEXT.typing }),
      el("span", { className: "xm-dot" }), el("span", { className: "xm-dot" }), el("span", { className: "xm-dot" })
    ]);

    this.input = el("textarea", {
      className: "xm-input", rows: 2, placeholder: TEXT.placeholder, "aria-label": TEXT.placeholder,
      oninput: function () { self.onInput(); },
      onkeydown: function (event) {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          self.submit();
        }
      }
    });
    this.note = el("div", { className: "xm-note", role: "status" });
    this.counter = el("span", { className: "xm-counter", text: "0/" + MAX_INPUT_CHARS });
    this.sendButton = el("button", { className: "xm-send", type: "submit", text: TEXT.send });
    this.form = el("form", { className: "xm-form", onsubmit: function (event) { event.preventDefault(); self.submit(); } }, [
      this.input,
      el("div", { className: "xm-footer" }, [this.note, this.counter, this.sendButton])
    ]);

    this.panel = el("section", { className: "xm-panel", role: "dialog", "aria-label": this.title }, [
      el("header", { className: "xm-header" }, [title, close]),
      this.banner, this.log, this.typing, this.form
    ]);
    this.launcher = el("button", { className: "xm-launcher", type: "button", "aria-label": TEXT.launcher, text: TEXT.launcher,
                                   onclick: function () { self.setOpen(true); } });
    this.root = el("div", { className: "xm-chat", "data-session-id": this.session.id }, [this.panel, this.launcher]);
    container.appendChild(this.root);
    this.renderGreeting();
    this.onInput();
  };

  Chat.prototype.setOpen = function (open) {
    this.root.classList.toggle("xm-open", open);
    this.panel.hidden = !open;
    this.launcher.hidden = open;
    storageSet(OPEN_KEY, open ? "1" : "0");
    if (open) {
      this.connect();
      this.input.focus();
      this.scrollToEnd();
    }
  };

  // --- connection --------------------------------------------------------------------

  Chat.prototype.connect = function () {
    var self = this;
    if (this.socket) { return; }
    this.socket = "loading";
    var start = function () {
      var socket = self.socket = global.io(self.serverUrl, { path: self.socketPath });
      socket.on("connect", function () {
        self.banner.hidden = true;
        self.ready = false;
        socket.emit("session_request", { session_token: self.session.token || null });
      });
      socket.on("disconnect", function () { self.banner.hidden = false; self.ready = false; });
      socket.on("connect_error", function () { self.banner.hidden = false; });
      socket.on("session_confirm", function (session) {
        if (session && typeof session.session_id === "string" && typeof session.session_token === "string") {
          self.session.id = session.session_id;
          self.session.token = session.session_token;  // renewed on every confirmation
          storageSet(STORAGE_KEY, JSON.stringify(self.session));
          self.root.setAttribute("data-session-id", self.session.id);
        }
        // a server without the history event: go on without it
        clearTimeout(self.readyTimer);
        self.readyTimer = setTimeout(function () { self.setReady(); }, 2000);
      });
      socket.on("chat_history", function (history) {
        self.showHistory(history && history.messages);
        self.setReady();
      });
      socket.on("bot_uttered", function (message) { self.receive(message); });
    };
    if (typeof global.io === "function") { start(); return; }
    loadScript(scriptBase + "vendor/socket.io.min.js", function (error) {
      if (error) { self.banner.hidden = false; self.socket = null; return; }
      start();
    });
  };

  // --- input -------------------------------------------------------------------------

  Chat.prototype.onInput = function () {
    var value = this.input.value;
    var count = chars(value).length;
    if (count > MAX_INPUT_CHARS) {
      this.input.value = chars(value).slice(0, MAX_INPUT_CHARS).join("");
      count = MAX_INPUT_CHARS;
      this.note.textContent = TEXT.tooLong;
    } else if (count < MAX_INPUT_CHARS) {
      this.note.textContent = "";
    }
    this.counter.textContent = count + "/" + MAX_INPUT_CHARS;
    this.sendButton.disabled = !value.trim();
  };

  Chat.prototype.submit = function () {
    var text = this.input.value.trim();
    if (!text) { return; }
    text = chars(text).slice(0, MAX_INPUT_CHARS).join("");
    this.input.value = "";
    this.onInput();
    this.note.textContent = "";
    this.send(text, text);
  };

  // Sends `payload` to the bot and shows `shown` as the customer's message.
  Chat.prototype.send = function (payload, shown) {
    this.disableQuickReplies();
    this.render({ from: "user", text: shown });
    var metadata = {};
    if (this.identityToken) { metadata.identity_token = this.identityToken; }
    this.outbox.push({ message: payload, metadata: metadata, shown: shown });
    this.connect();
    this.flush();
    this.setTyping(true);
  };

  // Messages typed before the socket.io client was loaded wait here; once the
  // socket exists, socket.io itself buffers them until it is connected.
  Chat.prototype.flush = function () {
    if (!this.ready || !this.socket || this.socket === "loading" || !this.socket.connected) { return; }
    while (this.outbox.length) {
      var item = this.outbox.shift();
      this.socket.emit("user_uttered", { message: item.message, metadata: item.metadata });
    }
  };

  Chat.prototype.setReady = function () {
    clearTimeout(this.readyTimer);
    this.ready = true;
    this.flush();
  };

  Chat.prototype.setTyping = function (on) {
    var self = this;
    clearTimeout(this.typingTimer);
    this.typing.hidden = !on;
    if (on) {
      this.typingTimer = setTimeout(function () { self.typing.hidden = true; }, TYPING_TIMEOUT_MS);
    }
    this.scrollToEnd();
  };

  // --- rendering ---------------------------------------------------------------------

  // A `bot_uttered` payload: {text}, {text, quick_replies}, {attachment}, or an
  // agent's message {text, sender: "agent", agent_name}.
  Chat.prototype.receive = function (message) {
    if (!message || typeof message !== "object") { return; }
    this.setTyping(false);
    var agent = message.sender === "agent";
    var item = {
      from: agent ? "agent" : "bot",
      text: typeof message.text === "string" ? message.text : "",
      agent_name: message.agent_name,
      quick_replies: message.quick_replies || message.buttons
    };
    var attachment = message.attachment;
    if (!item.text && attachment && attachment.payload && attachment.payload.src) {
      item.image = attachment.payload.src;
    }
    if (!item.text && !item.image) { return; }
    this.render(item);
  };

  Chat.prototype.renderGreeting = function () {
    this.render({ from: "bot", text: this.greeting, greeting: true });
  };

  Chat.prototype.showHistory = function (messages) {
    if (!Array.isArray(messages)) { return; }
    this.log.textContent = "";
    this.renderGreeting();
    for (var i = 0; i < messages.length; i++) {
      this.render(messages[i], { history: true });
    }
    // only the last message's buttons can still be used
    this.disableQuickReplies(this.log.lastElementChild);
    // what the customer typed while (re)connecting is still on its way
    for (var j = 0; j < this.outbox.length; j++) {
      this.render({ from: "user", text: this.outbox[j].shown });
    }
  };

  Chat.prototype.render = function (item, how) {
    var self = this;
    var from = item.from === "user" ? "user" : (item.from === "agent" ? "agent" : "bot");
    var row = el("div", { className: "xm-msg xm-msg--" + from + (item.greeting ? " xm-msg--greeting" : "") +
                                      (how && how.history ? " xm-msg--history" : "") });
    if (from === "agent") {
      var name = item.agent_name ? String(item.agent_name) : "";
      row.appendChild(el("div", { className: "xm-label", text: TEXT.agentPrefix + (name ? " " + name : "") }));
    }
    var image = item.image && /^https?:\/\//.test(item.image);
    row.appendChild(el("div", { className: "xm-bubble", text: image ? null : String(item.text || "") }, [
      image ? el("img", { className: "xm-image", alt: "图片", src: item.image }) : null
    ]));

    var replies = Array.isArray(item.quick_replies) ? item.quick_replies : [];
    if (replies.length) {
      row.appendChild(el("div", { className: "xm-quick-replies" }, replies.map(function (reply) {
        if (!reply || !reply.payload) { return null; }
        var title = String(reply.title || reply.payload);
        return el("button", { className: "xm-quick-reply", type: "button", text: title, onclick: function (event) {
          if (event.currentTarget.disabled) { return; }
          self.send(String(reply.payload), title);
        } });
      })));
    }
    this.log.appendChild(row);
    this.scrollToEnd();
    return row;
  };

  Chat.prototype.disableQuickReplies = function (except) {
    var buttons = this.log.querySelectorAll(".xm-quick-reply");
    for (var i = 0; i < buttons.length; i++) {
      if (except && except.contains(buttons[i])) { continue; }
      buttons[i].disabled = true;
    }
  };

  Chat.prototype.scrollToEnd = function () {
    this.log.scrollTop = this.log.scrollHeight;
  };

  var instance = null;
  global.XiaomiChat = {
    MAX_INPUT_CHARS: MAX_INPUT_CHARS,
    init: function (options) {
      if (instance) { return instance; }
      loadStyles(scriptBase + "widget.css");
      instance = new Chat(options);
      return instance;
    },
    instance: function () { return instance; }
  };
})(window);
