// The smart customer-service chat widget (SuccessHub's own code, no dependencies).
(function () {
  "use strict";
  var root = document.getElementById("assistant-widget");
  if (!root) { return; }
  var panel = root.querySelector(".assistant-panel");
  var toggle = root.querySelector(".assistant-toggle");
  var log = root.querySelector(".assistant-log");
  var form = root.querySelector(".assistant-form");
  var textarea = form.querySelector("textarea");
  var fatalBox = form.querySelector("input[name=fatal]");
  var humanButton = root.querySelector(".assistant-human");

  // UI words come translated from the template (data-t-*); the Chinese is the fallback.
  function t(key, fallback) { return root.dataset[key] || fallback; }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : root.dataset.csrf;
  }

  function post(url, data) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(data)
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) { throw new Error(body.message || response.statusText); }
        return body;
      });
    });
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function open(show) {
    panel.hidden = !show;
    toggle.setAttribute("aria-expanded", show ? "true" : "false");
    if (show) { textarea.focus(); }
  }

  function add(role, text) {
    var item = el("li", { "class": role }, text);
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    return item;
  }

  function showSources(item, sources) {
    if (!sources || !sources.length) { return; }
    var list = el("ol", { "class": "assistant-sources" });
    sources.forEach(function (source) {
      var li = el("li");
      var link = el("a", { href: source.url, "class": "assistant-source", target: "_top" }, source.title);
      li.appendChild(link);
      list.appendChild(li);
    });
    item.appendChild(el("div", { "class": "muted" }, t("tSources", "来源：")));
    item.appendChild(list);
  }

  function showRating(item, messageId) {
    var box = el("div", { "class": "assistant-rate" });
    box.appendChild(el("span", { "class": "muted" }, t("tHelpfulPrompt", "有帮助吗？")));
    [[1, "👍"], [-1, "👎"]].forEach(function (pair) {
      var button = el("button", { type: "button", "aria-pressed": "false", "data-rating": String(pair[0]),
        "aria-label": pair[0] > 0 ? t("tHelpful", "有帮助") : t("tUnhelpful", "没有帮助") }, pair[1]);
      button.addEventListener("click", function () {
        post(root.dataset.rateUrl, { message_id: messageId, rating: pair[0] }).then(function () {
          box.querySelectorAll("button").forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
          button.setAttribute("aria-pressed", "true");
          if (pair[0] < 0) { requestHuman(); }
        }).catch(function (error) { add("system", error.message); });
      });
      box.appendChild(button);
    });
    item.appendChild(box);
  }

  function showHandoff(item, handoff) {
    if (!handoff) { return; }
    var box = el("div", { "class": "assistant-options", "data-handoff": handoff.kind });
    box.appendChild(el("span", {}, handoff.message));
    if (handoff.hotline_number) {
      var hotline = t("tHotline", "热线") + " " + handoff.hotline_number;
      if (handoff.hotline_remaining !== "") {
        hotline += t("tRemaining", "，本服务年度剩余 {n} 次").replace("{n}", handoff.hotline_remaining);
      }
      box.appendChild(el("strong", { "class": "assistant-hotline" }, hotline));
    }
    (handoff.options || []).forEach(function (option) {
      if (option.url) {
        box.appendChild(el("a", { href: option.url, "class": "button" + (option.kind === handoff.kind ? "" : " secondary"),
          "data-option": option.kind }, option.label));
      } else {
        box.appendChild(el("strong", { "data-option": option.kind }, option.label));
      }
      if (option.detail) { box.appendChild(el("span", { "class": "muted" }, option.detail)); }
    });
    item.appendChild(box);
    log.scrollTop = log.scrollHeight;
  }

  function requestHuman() {
    post(root.dataset.handoffUrl, { fatal: fatalBox.checked }).then(function (body) {
      var item = add("system", "");
      showHandoff(item, body.handoff);
    }).catch(function (error) { add("system", error.message); });
  }

  toggle.addEventListener("click", function () { open(panel.hidden); });
  root.querySelector(".assistant-close").addEventListener("click", function () { open(false); });
  humanButton.addEventListener("click", requestHuman);
  textarea.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = textarea.value.trim();
    if (!text) { return; }
    add("user", text);
    textarea.value = "";
    var pending = add("bot", "…");
    post(root.dataset.askUrl, { text: text, fatal: fatalBox.checked }).then(function (body) {
      pending.textContent = body.text;
      pending.dataset.confident = body.confident ? "true" : "false";
      showSources(pending, body.sources);
      if (body.confident) { showRating(pending, body.message_id); }
      showHandoff(pending, body.handoff);
    }).catch(function (error) { pending.textContent = error.message || t("tError", "出错了，请稍后再试。"); });
  });
})();
