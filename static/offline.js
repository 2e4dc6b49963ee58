// Offline intake drafts. Progressive enhancement only: every page works without this file (and
// without the service worker it registers, static/sw.js), and the server checks every draft
// as it checks a form.
//
// - An intake ("Daftarkan pasien", form[data-offline-draft]) submitted without signal is kept
//   on this device in IndexedDB (fields and photos) instead of being lost; the service worker
//   does the same for a submit whose POST fails for network reasons.
// - On page load, when the connection returns ("online") and every minute while drafts wait,
//   each draft is sent to the normal intake endpoint (fetch + FormData, the page's CSRF token)
//   and deleted once stored. A draft the server refuses (422) is put back on the intake form
//   with the server's messages.
// - Drafts belong to one user (data-draft-owner, a hash of the user id): others' are dropped.
//   Signing out deletes the drafts, the caches and the service worker (the server's
//   Clear-Site-Data does the same): no personal data stays on the device.
(function () {
  "use strict";
  if (!window.indexedDB || !window.fetch || !window.FormData || !window.Promise) { return; }

  var DB_NAME = "merajut-offline"; // the same database as static/sw.js
  var INTAKE = "/kasus/baru";
  var CSRF = "csrf_token";
  var SIGN_OUT = ["/keluar", "/akun/keluar-semua"];
  var ownerEl = document.querySelector("[data-draft-owner]");
  var owner = ownerEl ? ownerEl.getAttribute("data-draft-owner") : "";
  var form = document.querySelector("form[data-offline-draft]");
  var sent = []; // ids of the cases stored from drafts while this page is open
  var signedOut = false; // the server answered a draft with the sign-in page
  var syncing = false;
  var token = null; // a CSRF token read again after the server refused the page's one

  function openDb() {
    return new Promise(function (resolve, reject) {
      var open = indexedDB.open(DB_NAME, 1);
      open.onupgradeneeded = function () {
        open.result.createObjectStore("drafts", { keyPath: "id", autoIncrement: true });
        open.result.createObjectStore("meta");
      };
      open.onsuccess = function () { resolve(open.result); };
      open.onerror = function () { reject(open.error); };
    });
  }
  // One transaction on one store; the connection is closed after it, so that deleting the
  // database at sign-out is never blocked by this page.
  async function run(store, mode, fn) {
    var db = await openDb();
    return new Promise(function (resolve, reject) {
      var tx = db.transaction(store, mode);
      var request = fn(tx.objectStore(store));
      tx.oncomplete = function () { db.close(); resolve(request ? request.result : undefined); };
      tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
    });
  }
  async function mine() {
    var all = await run("drafts", "readonly", function (s) { return s.getAll(); });
    return all.filter(function (d) { return d.owner === owner; });
  }
  function putDraft(d) { return run("drafts", "readwrite", function (s) { return s.put(d); }); }
  function dropDraft(id) { return run("drafts", "readwrite", function (s) { return s.delete(id); }); }
  function valueOf(d, name) {
    var pair = d.fields.filter(function (f) { return f[0] === name; })[0];
    return pair ? pair[1] : null;
  }
  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
  }

  async function clearAll() {
    await new Promise(function (resolve) {
      var r = indexedDB.deleteDatabase(DB_NAME);
      r.onsuccess = r.onerror = r.onblocked = resolve;
    });
    if (window.caches) {
      var keys = await caches.keys();
      await Promise.all(keys.map(function (k) { return caches.delete(k); }));
    }
    if (navigator.serviceWorker && navigator.serviceWorker.getRegistrations) {
      var regs = await navigator.serviceWorker.getRegistrations();
      await Promise.all(regs.map(function (r) { return r.unregister(); }));
    }
  }

  // ---- sending ----

  function currentToken() {
    var input = document.querySelector("input[name=" + CSRF + "]");
    return token || (input ? input.value : "");
  }
  // The CSRF token of the browser's cookie, read from a fresh page (the page shown may be a
  // copy kept by the service worker).
  async function freshToken() {
    try {
      var res = await fetch("/", { redirect: "manual", cache: "no-store", credentials: "same-origin" });
      if (!res.ok) { return false; }
      var doc = new DOMParser().parseFromString(await res.text(), "text/html");
      var input = doc.querySelector("input[name=" + CSRF + "]");
      if (!input) { return false; }
      token = input.value;
      document.querySelectorAll("input[name=" + CSRF + "]").forEach(function (i) { i.value = token; });
      return true;
    } catch (e) {
      return false;
    }
  }

  // The server's messages on a refused intake form: [{name, message}], name "" for the form.
  function messagesOf(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var root = doc.querySelector("form.intake") || doc;
    var out = [];
    root.querySelectorAll("#form-errors p").forEach(function (p) {
      out.push({ name: "", message: p.textContent.trim() });
    });
    root.querySelectorAll(".field-error").forEach(function (p) {
      if (p.closest("#form-errors")) { return; }
      var wrap = p.closest(".field");
      var control = wrap ? wrap.querySelector("[name]") : null;
      for (var el = p.previousElementSibling; !control && el; el = el.previousElementSibling) {
        if (el.name) { control = el; }
      }
      // "Choose the file again": the draft's photos are put back on the form, so it is moot.
      if (control && control.type === "file" && /pilih ulang berkas/.test(p.textContent)) { return; }
      out.push({ name: control ? control.name : "", message: p.textContent.trim() });
    });
    if (!out.length) { out.push({ name: "", message: "Server menolak draf ini; periksa kembali isiannya." }); }
    return out;
  }

  // Sends one draft: {state: "sent", id} (deleted here), "refused" (kept with the server's
  // messages) or "kept" (no connection, not signed in, server trouble: it waits).
  async function send(d, retried) {
    var body = new FormData();
    d.fields.forEach(function (f) {
      if (f[0] === CSRF) { return; }
      if (f[1] instanceof Blob) { body.append(f[0], f[1], f[1].name || ""); } else { body.append(f[0], f[1]); }
    });
    body.append(CSRF, currentToken());
    var res;
    try {
      res = await fetch(INTAKE, {
        method: "POST", body: body, headers: { "X-Merajut-Draft": "1" },
        redirect: "manual", credentials: "same-origin", cache: "no-store"
      });
    } catch (e) {
      return { state: "kept" };
    }
    if (res.type === "opaqueredirect") { signedOut = true; return { state: "kept" }; }
    if (res.status === 200) {
      var id = null;
      try { id = (await res.json()).case_id; } catch (e) { id = null; }
      if (!id) { return { state: "kept" }; }
      await dropDraft(d.id);
      sent.push(id);
      return { state: "sent", id: id };
    }
    if (res.status === 409 && !retried && await freshToken()) { return send(d, true); }
    if (res.status === 422 || res.status === 413) {
      d.state = "refused";
      d.messages = res.status === 422 ? messagesOf(await res.text())
        : [{ name: "", message: "Berkas terlalu besar untuk dikirim; pilih berkas yang lebih kecil." }];
      await putDraft(d);
      return { state: "refused" };
    }
    return { state: "kept" };
  }

  async function sync() {
    if (syncing || !owner || !navigator.onLine) { return; }
    syncing = true;
    try {
      var waiting = (await mine()).filter(function (d) { return d.state === "waiting"; });
      if (!waiting.length) { return; }
      signedOut = false;
      await show(true);
      for (var i = 0; i < waiting.length; i++) {
        // No connection or no session: the others would fare no better now.
        if ((await send(waiting[i])).state === "kept") { break; }
      }
    } finally {
      syncing = false;
    }
    await show(false);
    if (form) { await loadRefused(); }
  }

  // ---- the page ----

  function line(box, text, cls) {
    var p = document.createElement("p");
    p.className = cls;
    p.textContent = text;
    box.appendChild(p);
    return p;
  }
  function link(p, href, text) {
    var a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    p.appendChild(a);
  }
  // The state of this user's drafts, at the top of the page.
  async function show(sending) {
    var all = await mine();
    var waiting = all.filter(function (d) { return d.state === "waiting"; }).length;
    var refused = all.filter(function (d) { return d.state === "refused"; });
    var box = document.getElementById("offline-status");
    if (!waiting && !refused.length && !sent.length) {
      if (box) { box.remove(); }
      return;
    }
    if (!box) {
      box = document.createElement("div");
      box.id = "offline-status";
      box.className = "offline-status";
      box.setAttribute("role", "status");
      var main = document.querySelector("main") || document.body;
      main.insertBefore(box, main.firstChild);
    }
    box.textContent = "";
    box.setAttribute("data-waiting", String(waiting));
    box.setAttribute("data-refused", String(refused.length));
    box.setAttribute("data-sent", String(sent.length));
    if (waiting) {
      var next = signedOut ? "Masuk kembali untuk mengirimnya."
        : sending ? "Sedang dikirim…"
        : navigator.onLine ? "Akan dicoba lagi sebentar lagi."
        : "Akan dikirim otomatis saat ada sinyal.";
      line(box, "Tersimpan di ponsel ini, belum terkirim: " + waiting + " draf pendaftaran menunggu. " + next, "offline-waiting");
    }
    if (refused.length) {
      var p = line(box, refused.length + " draf ditolak server dan perlu diperbaiki. ", "offline-refused");
      if (!form) {
        link(p, INTAKE, "Perbaiki draf");
      } else if (!form.getAttribute("data-draft-id")) {
        var b = document.createElement("button");
        b.type = "button";
        b.className = "link";
        b.textContent = "Buka draf";
        b.addEventListener("click", function () { load(refused[0]); show(false); });
        p.appendChild(b);
      }
    }
    if (sent.length) {
      var s = line(box, "Terkirim: " + sent.length + " draf pendaftaran sudah tersimpan di server. ", "offline-sent");
      link(s, "/kasus/" + sent[sent.length - 1], "Lihat kasus");
    }
  }

  // Whether the intake form is as the server sent it (nothing typed, no errors shown).
  function pristine() {
    // app.js's hints as the PIC types (id …-live) are not the server's errors.
    return !form.querySelector(".field-error:not([id$='-live'])") && Array.prototype.every.call(form.elements, function (el) {
      if (!el.name || el.type === "hidden" || el.type === "submit") { return true; }
      if (el.type === "file") { return !el.files.length; }
      if (el.type === "checkbox" || el.type === "radio") { return el.checked === el.defaultChecked; }
      if (el.tagName === "SELECT") {
        // Without a `selected` option, the first one is the default.
        var first = Array.prototype.filter.call(el.options, function (o) { return o.defaultSelected; })[0] || el.options[0];
        return !first || el.value === first.value;
      }
      return el.value === el.defaultValue;
    });
  }

  function clearMessages() {
    form.querySelectorAll("[data-offline-message]").forEach(function (e) { e.remove(); });
    form.querySelectorAll("[data-offline-invalid]").forEach(function (e) {
      e.removeAttribute("data-offline-invalid");
      e.removeAttribute("aria-invalid");
    });
  }
  function showMessages(messages) {
    var general = [];
    messages.forEach(function (m) {
      var el = m.name ? form.elements[m.name] : null;
      if (!el || !el.insertAdjacentElement) { general.push(m.message); return; }
      var p = document.createElement("p");
      p.className = "field-error";
      p.setAttribute("role", "alert");
      p.setAttribute("data-offline-message", "");
      p.textContent = m.message;
      var wrap = el.closest(".field");
      if (wrap) { wrap.appendChild(p); } else { el.insertAdjacentElement("afterend", p); }
      el.setAttribute("aria-invalid", "true");
      el.setAttribute("data-offline-invalid", "");
    });
    var box = document.createElement("div");
    box.id = "offline-draft-errors";
    box.className = "error-message";
    box.setAttribute("role", "alert");
    box.setAttribute("data-offline-message", "");
    line(box, "Draf ini ditolak server saat dikirim. Periksa isian yang ditandai, lalu kirim lagi.", "");
    general.forEach(function (t) { line(box, t, ""); });
    form.insertBefore(box, form.firstChild);
  }

  // Puts a draft on the intake form: its values, its photos, the server's messages.
  function load(d) {
    clearMessages();
    var seen = {};
    var files = {};
    d.fields.forEach(function (f) {
      var name = f[0], value = f[1], el = form.elements[name];
      if (!el || name === CSRF || name === "intent") { return; }
      if (value instanceof Blob) {
        if (value.size) { (files[name] = files[name] || []).push(value); }
        return;
      }
      seen[name] = true;
      if (el.type === "checkbox") { el.checked = true; } else { el.value = value; }
    });
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.type === "checkbox" && !seen[el.name]) { el.checked = false; }
    });
    Object.keys(files).forEach(function (name) {
      var input = form.elements[name];
      if (!input || input.type !== "file" || !window.DataTransfer) { return; }
      var dt = new DataTransfer();
      files[name].forEach(function (f) { dt.items.add(f instanceof File ? f : new File([f], "berkas")); });
      input.files = dt.files;
    });
    form.setAttribute("data-draft-id", String(d.id));
    showMessages(d.messages || []);
    var errors = document.getElementById("offline-draft-errors");
    if (errors && errors.scrollIntoView) { errors.scrollIntoView(); }
  }
  async function loadRefused() {
    if (form.getAttribute("data-draft-id") || !pristine()) { return; }
    var refused = (await mine()).filter(function (d) { return d.state === "refused"; });
    if (refused.length) { load(refused[0]); await show(false); }
  }

  function fieldsOf(submitter) {
    var data = new FormData(form);
    if (submitter && submitter.name) { data.append(submitter.name, submitter.value); }
    var out = [];
    data.forEach(function (value, name) { out.push([name, value]); });
    return out;
  }

  // Offline (or a draft put back after a refusal): kept as a draft, and sent from here.
  // Online: the browser sends the form as always (the service worker keeps it if that fails).
  async function onSubmit(event) {
    var loaded = form.getAttribute("data-draft-id");
    if (event.defaultPrevented || (navigator.onLine && !loaded)) { return; }
    event.preventDefault();
    var d = { owner: owner, saved: Date.now(), state: "waiting", messages: [], fields: fieldsOf(event.submitter) };
    if (loaded) { d.id = Number(loaded); }
    d.id = await putDraft(d);
    clearMessages();
    if (navigator.onLine) {
      var outcome = await send(d);
      if (outcome.state === "sent") { window.location.assign("/kasus/" + outcome.id); return; }
      if (outcome.state === "refused") { load(d); await show(false); return; }
    }
    form.removeAttribute("data-draft-id");
    form.reset();
    // The messages about what was typed went with it.
    form.querySelectorAll(".field-error, [role=alert]").forEach(function (e) { e.remove(); });
    form.querySelectorAll("[aria-invalid]").forEach(function (e) { e.removeAttribute("aria-invalid"); });
    if (form.elements.intake_key) { form.elements.intake_key.value = newKey(); }
    await show(false);
    var box = document.getElementById("offline-status");
    if (box && box.scrollIntoView) { box.scrollIntoView(); }
  }

  async function prepareForm() {
    var all = await mine();
    var key = form.elements.intake_key;
    // A copy of the page served offline repeats the key of a draft already kept: a new
    // patient gets a new key (the key makes a resent form count once).
    if (key && all.some(function (d) { return valueOf(d, "intake_key") === key.value; })) { key.value = newKey(); }
    form.addEventListener("submit", function (event) { onSubmit(event); });
    await loadRefused();
  }

  // Signing out: the drafts, caches and service worker go first (after a warning when drafts
  // still wait), then the form is sent.
  document.addEventListener("submit", function (event) {
    var f = event.target;
    if (!f.getAttribute || SIGN_OUT.indexOf(f.getAttribute("action")) < 0) { return; }
    if (event.defaultPrevented || f.getAttribute("data-cleared")) { return; }
    event.preventDefault();
    (async function () {
      // Reading the drafts is bounded like clearing them: a storage that never answers must
      // not keep anyone from signing out.
      var waiting = owner ? (await Promise.race([mine().catch(function () { return []; }),
        new Promise(function (r) { setTimeout(function () { r([]); }, 3000); })])).length : 0;
      if (waiting && !window.confirm("Masih ada " + waiting + " draf pendaftaran di ponsel ini yang belum terkirim. " +
        "Keluar akan menghapusnya dari ponsel ini. Tetap keluar?")) { return; }
      await Promise.race([clearAll().catch(function () {}), new Promise(function (r) { setTimeout(r, 3000); })]);
      f.setAttribute("data-cleared", "1");
      f.submit();
    })();
  });

  async function start() {
    // Not signed in: the drafts wait for their user's next sign-in.
    if (!owner) { return; }
    var previous = await run("meta", "readonly", function (s) { return s.get("owner"); });
    var others = (await run("drafts", "readonly", function (s) { return s.getAll(); }))
      .filter(function (d) { return d.owner !== owner; });
    for (var i = 0; i < others.length; i++) { await dropDraft(others[i].id); }
    if (previous !== owner) {
      // Another user signed in on this device: nothing of the previous one's stays.
      if (previous && window.caches) {
        var keys = await caches.keys();
        await Promise.all(keys.map(function (k) { return caches.delete(k); }));
      }
      await run("meta", "readwrite", function (s) { return s.put(owner, "owner"); });
    }
    if (navigator.serviceWorker) { navigator.serviceWorker.register("/sw.js").catch(function () {}); }
    if (form) { await prepareForm(); }
    window.addEventListener("online", sync);
    window.addEventListener("offline", function () { show(false); });
    setInterval(sync, 60000);
    await show(false);
    await sync();
  }
  start().catch(function () {});
})();
