// The hotline desk: listen for screen pops and call updates on the desk's WebSocket (our own code).
(function () {
  "use strict";
  var root = document.getElementById("hotline-desk");
  if (!root || !window.WebSocket) return;
  var popArea = document.getElementById("screen-pop");
  var liveList = document.getElementById("live-calls");
  var screenUrl = root.dataset.screenUrl;
  var texts = JSON.parse(document.getElementById("desk-texts").textContent);
  var delay = 1000;

  function link(call) {
    var a = document.createElement("a");
    a.href = screenUrl + "?call=" + encodeURIComponent(call.id);
    a.textContent = (call.caller_phone || texts.unknown) + (call.organisation ? " · " + call.organisation : "") +
      (call.caller ? " · " + call.caller : "");
    return a;
  }

  function pop(call) {
    popArea.hidden = false;
    popArea.textContent = "";
    var title = document.createElement("strong");
    title.textContent = texts.popped + " ";
    popArea.appendChild(title);
    popArea.appendChild(link(call));
    if (!call.verified) {
      var badge = document.createElement("span");
      badge.className = "badge no";
      badge.textContent = texts.unverified;
      popArea.appendChild(document.createTextNode(" "));
      popArea.appendChild(badge);
    }
  }

  function update(call) {
    if (!liveList) return;
    var row = liveList.querySelector('[data-call="' + call.id + '"]');
    if (call.status === "ringing" || call.status === "answered") {
      if (!row) {
        row = document.createElement("li");
        row.dataset.call = call.id;
        liveList.prepend(row);
      }
      row.textContent = "";
      row.appendChild(link(call));
      row.appendChild(document.createTextNode(" " + (texts[call.status] || call.status)));
    } else if (row) {
      row.remove();
      if (call.status === "missed") {
        var missed = document.getElementById("missed-calls");
        if (missed) {
          var li = document.createElement("li");
          li.appendChild(link(call));
          missed.prepend(li);
        }
      }
    }
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + "/ws/hotline/desk/");
    socket.onopen = function () { delay = 1000; root.dataset.connected = "1"; };
    socket.onmessage = function (e) {
      var data = JSON.parse(e.data);
      if (data.type === "screen_pop") pop(data.call);
      if (data.type === "call_update" || data.type === "screen_pop") update(data.call);
    };
    socket.onclose = function () {
      root.dataset.connected = "0";
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
