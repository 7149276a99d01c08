/* SuccessHub portal behaviour (our own; no inline scripts, so a strict CSP can forbid them). */
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  ready(function () {
    // The compact menu on narrow screens: the button opens and closes the header's menu panel.
    var header = document.getElementById("top");
    var toggle = header && header.querySelector(".menu-toggle");
    if (toggle) {
      toggle.addEventListener("click", function () {
        var open = header.classList.toggle("open");
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
      });
    }
    // Links that open the bot on this page instead of navigating (a right's "问智能客服").
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest('[data-opens="assistant"]');
      if (!link) { return; }
      var button = document.querySelector("#assistant-widget .assistant-toggle");
      if (!button) { return; }
      event.preventDefault();
      if (button.getAttribute("aria-expanded") !== "true") { button.click(); }
      var box = document.querySelector("#assistant-panel textarea");
      if (box) { box.focus(); }
    });
  });
})();
