// The community editor: paste, drop or pick screenshots (uploaded at once and inserted as
// Markdown at the cursor) and a preview rendered by the server's own renderer and sanitiser.
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function insertAtCursor(textarea, text) {
    var start = textarea.selectionStart || 0;
    var end = textarea.selectionEnd || 0;
    var before = textarea.value.slice(0, start);
    var after = textarea.value.slice(end);
    var prefix = before && !before.endsWith("\n") ? "\n" : "";
    var suffix = after.startsWith("\n") ? "" : "\n";
    textarea.value = before + prefix + text + suffix + after;
    var cursor = (before + prefix + text + suffix).length;
    textarea.setSelectionRange(cursor, cursor);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function setup(editor) {
    var textarea = editor.querySelector("textarea");
    var status = editor.querySelector(".md-status");
    var preview = editor.querySelector(".md-preview");
    var previewButton = editor.querySelector("[data-md-preview]");
    var picker = editor.querySelector("[data-md-pick]");
    var form = editor.closest("form");
    var pending = 0;

    function say(text) { status.textContent = text; }

    function upload(file) {
      if (!file || !/^image\//.test(file.type)) return;
      pending += 1;
      say(editor.dataset.uploading);
      var body = new FormData();
      body.append("image", file, file.name || "screenshot.png");
      body.append("alt", editor.dataset.defaultAlt);
      fetch(editor.dataset.uploadUrl, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(form) },
      })
        .then(function (response) {
          return response.json().then(function (data) { return { ok: response.ok, data: data }; });
        })
        .then(function (result) {
          if (!result.ok) throw new Error(result.data.message || "");
          insertAtCursor(textarea, result.data.markdown);
          say(editor.dataset.uploaded);
        })
        .catch(function (error) { say(editor.dataset.failed + " " + error.message); })
        .finally(function () { pending -= 1; });
    }

    function filesFrom(list) {
      return Array.prototype.filter.call(list || [], function (f) { return f && /^image\//.test(f.type); });
    }

    textarea.addEventListener("paste", function (event) {
      var items = event.clipboardData ? event.clipboardData.items : [];
      var files = [];
      Array.prototype.forEach.call(items, function (item) {
        if (item.kind === "file") files.push(item.getAsFile());
      });
      files = filesFrom(files);
      if (files.length) {
        event.preventDefault();
        files.forEach(upload);
      }
    });
    textarea.addEventListener("dragover", function (event) {
      if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") >= 0) {
        event.preventDefault();
        editor.classList.add("dropping");
      }
    });
    textarea.addEventListener("dragleave", function () { editor.classList.remove("dropping"); });
    textarea.addEventListener("drop", function (event) {
      var files = filesFrom(event.dataTransfer && event.dataTransfer.files);
      editor.classList.remove("dropping");
      if (files.length) {
        event.preventDefault();
        files.forEach(upload);
      }
    });
    picker.addEventListener("change", function () {
      filesFrom(picker.files).forEach(upload);
      picker.value = "";
    });
    previewButton.addEventListener("click", function () {
      var showing = previewButton.getAttribute("aria-pressed") === "true";
      if (showing) {
        preview.hidden = true;
        previewButton.setAttribute("aria-pressed", "false");
        return;
      }
      var body = new FormData();
      body.append("body", textarea.value);
      fetch(editor.dataset.previewUrl, {
        method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRFToken": csrfToken(form) },
      })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          // The server's sanitised rendering of the text (the same as the published post).
          preview.innerHTML = data.html || "<p class=\"muted\">" + editor.dataset.emptyPreview + "</p>";
          preview.hidden = false;
          previewButton.setAttribute("aria-pressed", "true");
        });
    });
    if (form) {
      form.addEventListener("submit", function (event) {
        if (pending > 0) { event.preventDefault(); say(editor.dataset.uploading); }
      });
    }
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-md-editor]"), setup);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
