// The live request log: poll the console's JSON endpoint and prepend rows not shown yet;
// each row links to its request's page, as the server-rendered rows do.
// Text goes in with textContent only: values an IdP sent are never parsed as HTML.
"use strict";

(function () {
  const table = document.getElementById("request-log");
  if (!table || !table.dataset.liveUrl) {
    return;
  }
  const body = table.tBodies[0];
  const url = table.dataset.liveUrl;
  const prefix = table.dataset.scimPrefix || "";
  const detailBase = table.dataset.detailBase || "";
  const indicator = document.getElementById("live-indicator");
  const shown = new Set(Array.from(body.querySelectorAll("tr[data-id]"), (tr) => tr.dataset.id));

  function cell(row, text, className) {
    const td = row.insertCell();
    if (className) {
      td.className = className;
    }
    td.textContent = text;
    return td;
  }

  function render(entry) {
    const row = document.createElement("tr");
    row.dataset.id = entry.id;
    row.className = entry.error ? "failed fresh" : "fresh";
    cell(row, entry.received_at.replace("T", " ").slice(0, 19), "muted nowrap");
    const request = cell(row, "");
    const link = document.createElement("a");
    link.className = "request-link";
    link.href = detailBase + encodeURIComponent(entry.id);
    link.title = "Open this request";
    const code = document.createElement("code");
    const path = entry.path.startsWith(prefix) ? entry.path.slice(prefix.length) : entry.path;
    code.textContent = entry.method + " " + path + (entry.query ? "?" + entry.query : "");
    link.appendChild(code);
    request.appendChild(link);
    const status = cell(row, "");
    const badge = document.createElement("span");
    badge.className = "badge " + (entry.error ? "state-error" : "state-active");
    badge.textContent = String(entry.status);
    status.appendChild(badge);
    const error = cell(row, "");
    if (entry.error) {
      if (entry.error.scim_type) {
        const strong = document.createElement("strong");
        strong.textContent = entry.error.scim_type;
        error.appendChild(strong);
        error.appendChild(document.createTextNode(": "));
      }
      error.appendChild(document.createTextNode(entry.error.detail || ""));
    }
    cell(row, entry.idp || "");
    cell(row, entry.duration_ms + " ms", "num");
    return row;
  }

  async function poll() {
    try {
      const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      const page = await response.json();
      const fresh = page.data.filter((entry) => !shown.has(entry.id));
      if (fresh.length) {
        const placeholder = body.querySelector("tr.placeholder");
        if (placeholder) {
          placeholder.remove();
        }
      }
      // The page is newest first: insert the oldest new row first, each at the top.
      for (const entry of fresh.reverse()) {
        shown.add(entry.id);
        body.insertBefore(render(entry), body.firstChild);
      }
      if (indicator) {
        indicator.classList.remove("stale");
      }
    } catch (_error) {
      if (indicator) {
        indicator.classList.add("stale");
      }
    }
    window.setTimeout(poll, 1500);
  }

  window.setTimeout(poll, 1500);
})();
