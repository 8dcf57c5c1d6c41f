// Resumable, chunked upload of evidence files (see sillok/evidence/uploads.py).
// Each file: start a session, send chunks at the offset the server has, resume after a
// broken connection by asking for that offset, then complete it (intake runs on the server).
"use strict";

(function () {
  const form = document.getElementById("upload-form");
  if (!form) return;
  const results = document.getElementById("upload-results");
  const chunkBytes = parseInt(form.dataset.chunkBytes, 10);
  const api = form.dataset.api;
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const MAX_RETRIES = 8;

  function metadata() {
    const data = {};
    for (const name of ["title", "description", "kind", "source", "collector",
                        "collected_on", "collected_place", "languages", "sensitivity", "tags",
                        "consent_date", "consent_form", "consent_recipients", "compartment"]) {
      const value = form.elements[name].value.trim();
      if (value) data[name] = value;
    }
    const consent = [...form.querySelectorAll("input[name=consent_scope]:checked")].map(c => c.value);
    if (consent.length) data.consent_scope = consent;
    if (form.elements.graphic.checked) data.graphic = true;
    return data;
  }

  async function call(method, url, body, contentType) {
    const headers = { "X-CSRFToken": csrf };
    if (contentType) headers["Content-Type"] = contentType;
    const response = await fetch(url, { method, headers, body, credentials: "same-origin" });
    let payload = null;
    try { payload = await response.json(); } catch (e) { payload = null; }
    return { status: response.status, payload };
  }

  const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

  function row(file) {
    const li = document.createElement("li");
    const name = document.createElement("span");
    name.textContent = file.name + " ";
    const bar = document.createElement("progress");
    bar.max = file.size;
    bar.value = 0;
    const note = document.createElement("span");
    note.className = "upload-note";
    li.append(name, bar, note);
    results.append(li);
    return { li, bar, note };
  }

  async function sendFile(file, meta) {
    const ui = row(file);
    const start = await call("POST", api, JSON.stringify({ filename: file.name, size: file.size, metadata: meta }), "application/json");
    if (start.status !== 201) {
      ui.note.textContent = results.dataset.labelRejected + ": " + (start.payload && start.payload.detail || start.status);
      return;
    }
    const key = start.payload.key;
    let offset = 0, retries = 0;
    while (offset < file.size) {
      const end = Math.min(offset + chunkBytes, file.size);
      let answer;
      try {
        answer = await call("PUT", `${api}/${key}?offset=${offset}`, file.slice(offset, end), "application/octet-stream");
      } catch (error) {
        answer = { status: 0, payload: null };
      }
      if (answer.status === 200) {
        offset = answer.payload.received;
        retries = 0;
        ui.bar.value = offset;
        ui.note.textContent = Math.floor(100 * offset / file.size) + "%";
        continue;
      }
      if (answer.status >= 400 && answer.status < 500 && answer.status !== 409) {
        ui.note.textContent = results.dataset.labelRejected + ": " + (answer.payload && answer.payload.detail);
        return;
      }
      // Broken connection, server error or offset mismatch: ask where we are and go on.
      if (++retries > MAX_RETRIES) { ui.note.textContent = results.dataset.labelRejected; return; }
      ui.note.textContent = results.dataset.labelFailed;
      await sleep(Math.min(30000, 500 * 2 ** retries));
      try {
        const state = await call("GET", `${api}/${key}`);
        if (state.status === 200) offset = state.payload.received;
      } catch (error) { /* still offline: the loop retries */ }
    }
    const done = await call("POST", `${api}/${key}/complete`);
    const result = done.payload || {};
    const link = document.createElement("a");
    if (result.item) {
      link.href = form.dataset.items + result.item + "/";
      link.textContent = "#" + result.item;
    }
    if (result.status === "new") ui.note.textContent = results.dataset.labelNew + " ";
    else if (result.status === "duplicate") ui.note.textContent = results.dataset.labelDuplicate + " ";
    else ui.note.textContent = results.dataset.labelRejected + ": " + (result.reason || result.detail || done.status);
    if (result.item) ui.note.append(link);
    ui.li.dataset.status = result.status || "rejected";
  }

  form.addEventListener("submit", async event => {
    event.preventDefault();
    const meta = metadata();
    for (const file of form.elements.file.files) {
      await sendFile(file, meta);
    }
  });
})();
