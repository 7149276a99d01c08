// IM human service: one chat over a WebSocket, for the customer and the engineer (our own code).
// Every message is numbered by the server (seq); the page shows each seq once and, after a
// reconnect, asks for everything after the highest seq it has shown, so nothing is lost or repeated.
(function () {
  "use strict";
  var root = document.getElementById("chat");
  if (!root || !window.WebSocket) return;
  var texts = JSON.parse(document.getElementById("chat-texts").textContent);
  var log = document.getElementById("chat-log");
  var stateLine = document.getElementById("chat-state");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var fileInput = document.getElementById("chat-file");
  var role = root.dataset.role;
  var sessionId = root.dataset.session;
  var lastSeq = 0;
  var pending = {};   // client_id -> body, sent but not yet acknowledged by a numbered message
  var socket = null;
  var delay = 500;
  var csrf = (document.body.getAttribute("hx-headers") || "").match(/"X-CSRFToken":\s*"([^"]+)"/);

  Array.prototype.forEach.call(log.querySelectorAll("li[data-seq]"), function (li) {
    lastSeq = Math.max(lastSeq, parseInt(li.dataset.seq, 10));
  });

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key] !== undefined ? values[key] : ""; });
  }

  function show(message) {
    if (message.seq <= lastSeq && log.querySelector('li[data-seq="' + message.seq + '"]')) return;
    if (message.client_id) delete pending[message.client_id];
    var li = document.createElement("li");
    li.dataset.seq = message.seq;
    li.className = "chat-" + message.sender + (message.sender === role ? " mine" : "");
    var meta = document.createElement("span");
    meta.className = "muted";
    meta.textContent = message.at + " " + (message.author || texts[message.sender] || "") + " ";
    var body = document.createElement("span");
    body.className = "body";
    body.textContent = message.body;
    li.appendChild(meta);
    li.appendChild(body);
    if (message.attachment) {
      var a = document.createElement("a");
      a.href = message.attachment.url;
      a.textContent = " 📎 " + message.attachment.name;
      li.appendChild(a);
    }
    // Keep the log in seq order even if frames crossed a reconnect.
    var after = null;
    Array.prototype.some.call(log.children, function (other) {
      if (parseInt(other.dataset.seq, 10) > message.seq) { after = other; return true; }
      return false;
    });
    log.insertBefore(li, after);
    lastSeq = Math.max(lastSeq, message.seq);
    li.scrollIntoView({block: "end"});
  }

  function showState(state) {
    if (!stateLine) return;
    if (state.status === "waiting") {
      stateLine.textContent = fill(texts.waiting, {n: Math.max(state.position - 1, 0), m: state.expected_wait_minutes});
    } else if (state.status === "active") {
      stateLine.textContent = fill(texts.active, {agent: state.agent});
    } else {
      stateLine.textContent = texts.ended;
      if (form) form.hidden = true;
      if (role === "customer" && !document.querySelector("[data-testid=csat]")) {
        setTimeout(function () { location.reload(); }, 300);
      }
    }
    root.dataset.status = state.status;
  }

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/chat/" + sessionId + "/");
    socket.onopen = function () {
      delay = 500;
      root.dataset.connected = "1";
      send({type: "resume", after: lastSeq});
      Object.keys(pending).forEach(function (id) { send({type: "message", body: pending[id], client_id: id}); });
    };
    socket.onmessage = function (event) {
      var data = JSON.parse(event.data);
      if (data.type === "message") show(data.message);
      else if (data.type === "state") showState(data.state);
      else if (data.type === "error" && stateLine) {
        if (data.client_id) delete pending[data.client_id];
        stateLine.textContent = data.message;
      }
    };
    socket.onclose = function () {
      root.dataset.connected = "0";
      if (stateLine && root.dataset.status !== "ended") stateLine.textContent = texts.reconnecting;
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    };
  }

  function newId() {
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = input.value.trim();
      if (!body) return;
      var id = newId();
      pending[id] = body;   // resent after a reconnect until the server's numbered copy arrives
      send({type: "message", body: body, client_id: id});
      input.value = "";
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
  }
  if (fileInput) {
    fileInput.addEventListener("change", function () {
      if (!fileInput.files.length) return;
      var data = new FormData();
      data.append("file", fileInput.files[0]);
      data.append("client_id", newId());
      fetch(root.dataset.uploadUrl, {method: "POST", body: data, credentials: "same-origin",
        headers: csrf ? {"X-CSRFToken": csrf[1]} : {}})
        .then(function (r) { return r.json(); })
        .then(function (d) { if (d.message && d.message.seq) show(d.message); else if (stateLine) stateLine.textContent = d.message; });
      fileInput.value = "";
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("button.canned"), function (button) {
    button.addEventListener("click", function () { input.value = button.dataset.body; input.focus(); });
  });
  window.successhubChat = {close: function () { if (socket) socket.close(); }};
  connect();
})();
