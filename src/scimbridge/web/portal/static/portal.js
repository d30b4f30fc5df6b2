// The setup portal's behaviour: copy buttons and the live request log.
// Served from the package under a CSP without inline script; builds every row with
// textContent, so a value sent by an IdP (e.g. "<script>" in a path) stays text.
"use strict";

(function () {
  var POLL_MS = 2000;

  function copyButtons() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var source = document.getElementById(button.getAttribute("data-copy"));
        if (!source || !navigator.clipboard) { return; }
        navigator.clipboard.writeText(source.textContent.trim()).then(function () {
          var label = button.textContent;
          button.textContent = "Copied";
          setTimeout(function () { button.textContent = label; }, 1500);
        });
      });
    });
  }

  // Request times arrive as UTC ISO 8601; show them in the reader's own time zone.
  function localTime(node) {
    var when = new Date(node.getAttribute("datetime"));
    if (!isNaN(when.getTime())) {
      node.textContent = when.toLocaleString(undefined, {
        dateStyle: "medium", timeStyle: "medium"
      });
      node.title = node.getAttribute("datetime");
    }
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function explanation(row) {
    var box = el("div", "explain");
    if (row.error && (row.error.scim_type || row.error.detail)) {
      var err = el("p", "scim-error");
      err.appendChild(el("span", "scim-type", row.error.scim_type || "error"));
      err.appendChild(document.createTextNode(" " + (row.error.detail || "")));
      box.appendChild(err);
    }
    var what = el("p", "what");
    what.appendChild(el("strong", null, "What happened: "));
    what.appendChild(document.createTextNode(row.explanation.summary));
    box.appendChild(what);
    var fix = el("p", "fix");
    fix.appendChild(el("strong", null, "What to change: "));
    fix.appendChild(document.createTextNode(row.explanation.fix));
    box.appendChild(fix);
    return box;
  }

  function rowElement(row) {
    var item = el("li", "req " + (row.error ? "req-failed" : "req-ok"));
    item.setAttribute("data-id", row.id);
    var line = el("div", "req-line");
    line.appendChild(el("span", "status s" + Math.floor(row.status / 100) + "xx", row.status));
    line.appendChild(el("span", "method", row.method));
    line.appendChild(el("span", "path", row.path + (row.query ? "?" + row.query : "")));
    var when = el("time", "when", row.received_at);
    when.setAttribute("datetime", row.received_at);
    localTime(when);
    line.appendChild(when);
    item.appendChild(line);
    if (row.explanation) { item.appendChild(explanation(row)); }
    return item;
  }

  function showStatus(connection) {
    var status = document.getElementById("connection-status");
    if (!status || !connection) { return; }
    status.className = "conn conn-" + connection.state;
    status.setAttribute("data-state", connection.state);
    var text = connection.message.charAt(0).toUpperCase() + connection.message.slice(1);
    status.querySelector(".conn-text").textContent = text;
    var detail = document.getElementById("connection-detail");
    if (detail && connection.last_request_at) {
      detail.textContent = "Last request at " + connection.last_request_at + ".";
    }
  }

  function startLog() {
    var list = document.getElementById("requests");
    if (!list) { return; }
    var logUrl = window.location.pathname.replace(/\/+$/, "") + "/log";
    function known(id) {
      return Array.prototype.some.call(list.children, function (child) {
        return child.getAttribute("data-id") === id;
      });
    }
    function poll() {
      fetch(logUrl, { credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          if (response.status === 404 || response.status === 410) {
            // Revoked or expired while open: stop, and say so instead of going stale.
            window.location.reload();
            return null;
          }
          if (!response.ok) { throw new Error("status " + response.status); }
          return response.json();
        })
        .then(function (body) {
          if (body === null) { return; }
          showStatus(body.connection);
          // Newest first: insert the unseen rows above the ones shown, oldest last.
          var fresh = body.data.filter(function (row) { return !known(row.id); });
          for (var i = fresh.length - 1; i >= 0; i -= 1) {
            list.insertBefore(rowElement(fresh[i]), list.firstChild);
          }
          var empty = document.getElementById("requests-empty");
          if (empty) { empty.hidden = list.children.length > 0; }
          setTimeout(poll, POLL_MS);
        })
        .catch(function () { setTimeout(poll, POLL_MS * 3); });
    }
    setTimeout(poll, POLL_MS);
  }

  document.addEventListener("DOMContentLoaded", function () {
    copyButtons();
    document.querySelectorAll("#requests time.when").forEach(localTime);
    startLog();
  });
})();
