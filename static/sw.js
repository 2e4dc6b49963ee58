// Service worker of Merajut Sehat, served at /sw.js (scope: the whole site). Optional: every
// page works without it.
//
// It keeps, for a phone that loses signal in a ward, only what the intake needs offline:
// - GET /static/*: answered from the cache at once and refreshed in the background;
// - GET /kasus/baru (the empty intake form): from the network, a copy kept (without the
//   one-shot flash message) for when there is none or it does not answer within 5 s;
// - POST /kasus/baru sent by the browser itself (a navigation) that fails for network reasons:
//   the form (fields and photos) is kept in IndexedDB as a draft for its user, and the browser
//   is sent to the intake page, where static/offline.js shows the draft waiting and sends it
//   when the connection returns.
// Nothing else is cached: case pages, lists, exports and documents hold personal data. The
// sign-out response's Clear-Site-Data removes the caches, the drafts and this worker.
"use strict";

var CACHE = "merajut-offline-v1";
var INTAKE = "/kasus/baru";
// The same database as static/offline.js (same name, version and stores).
var DB_NAME = "merajut-offline";
var FLASH = /<p class="flash"[^>]*>[\s\S]*?<\/p>/;

self.addEventListener("install", function () { self.skipWaiting(); });

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method === "GET" && url.pathname.indexOf("/static/") === 0) {
    event.respondWith(staticFile(event));
  } else if (request.method === "GET" && url.pathname === INTAKE && url.search === "") {
    event.respondWith(intakePage(event));
  } else if (request.method === "POST" && url.pathname === INTAKE && request.mode === "navigate") {
    event.respondWith(intakePost(request));
  }
});

function staticFile(event) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(event.request).then(function (cached) {
      var fresh = fetch(event.request).then(function (res) {
        if (res.ok && res.type === "basic") { return cache.put(event.request, res.clone()).then(function () { return res; }); }
        return res;
      });
      if (cached) {
        event.waitUntil(fresh.catch(function () {}));
        return cached;
      }
      return fresh;
    });
  });
}

// From the network, keeping a copy; the copy when the network fails, or when it has not
// answered within 5 s (one bar of signal in a ward) while the copy exists.
function intakePage(event) {
  var request = event.request;
  var network = fetch(request).then(function (res) {
    // Only the form itself: not a redirect to the sign-in page, not a refusal.
    if (!res.ok || res.type !== "basic" || res.redirected) { return res; }
    return res.clone().text().then(function (html) {
      // The same headers (the CSP among them) on the copy, less those of the old body.
      var headers = new Headers(res.headers);
      headers.delete("content-length");
      headers.delete("content-encoding");
      var copy = new Response(html.replace(FLASH, ""), { status: 200, headers: headers });
      return caches.open(CACHE).then(function (cache) { return cache.put(INTAKE, copy); });
    }).then(function () { return res; });
  });
  event.waitUntil(network.catch(function () {}));
  var answer = network.catch(function () {
    return caches.match(INTAKE).then(function (cached) { return cached || Response.error(); });
  });
  var slow = new Promise(function (resolve) { setTimeout(resolve, 5000); }).then(function () {
    return caches.match(INTAKE).then(function (cached) { return cached || answer; });
  });
  return Promise.race([answer, slow]);
}

function intakePost(request) {
  var copy = request.clone();
  return fetch(request).catch(function () {
    return copy.formData().then(keepDraft).then(function () {
      return Response.redirect(INTAKE, 303);
    });
  });
}

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

// The form as a draft of the user whose page wrote "owner" last (the page that sent it).
function keepDraft(form) {
  return openDb().then(function (db) {
    return new Promise(function (resolve, reject) {
      var tx = db.transaction(["meta", "drafts"], "readwrite");
      var get = tx.objectStore("meta").get("owner");
      get.onsuccess = function () {
        var fields = [];
        form.forEach(function (value, name) { fields.push([name, value]); });
        tx.objectStore("drafts").add({
          owner: get.result || "", saved: Date.now(), state: "waiting", messages: [], fields: fields
        });
      };
      tx.oncomplete = function () { db.close(); resolve(); };
      tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
    });
  });
}
