// The IM console: refresh the queue fragment when the queue socket says it changed (our own code).
(function () {
  "use strict";
  if (!window.WebSocket) return;
  var delay = 1000;
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + "/ws/chat/queue/");
    socket.onopen = function () { delay = 1000; };
    socket.onmessage = function () { document.body.dispatchEvent(new CustomEvent("chat-queue")); };
    socket.onclose = function () { setTimeout(connect, delay); delay = Math.min(delay * 2, 30000); };
  }
  connect();
})();
