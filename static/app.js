// Progressive enhancement only: every page works without this file, and the server checks
// everything again.
(function () {
  "use strict";

  // Print buttons (data-print): shown only when this script runs; without it the page says to
  // use the browser's print menu.
  Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (b) {
    b.hidden = false;
    b.addEventListener("click", function () { window.print(); });
  });

  // The case's actions open one at a time: opening one closes the others (browsers that know
  // <details name> already do; this covers the rest).
  var actions = document.querySelectorAll("details.action");
  Array.prototype.forEach.call(actions, function (d) {
    d.addEventListener("toggle", function () {
      if (!d.open) { return; }
      Array.prototype.forEach.call(actions, function (other) {
        if (other !== d && other.open) { other.open = false; }
      });
    });
  });

  // Confirm destructive actions marked with data-confirm.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var msg = form.getAttribute && form.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  });

  // A refused submit: the error summary at the top of the form takes the focus (the page also
  // marks it autofocus), so a screen reader reads it and Tab goes on to its links.
  var summary = document.getElementById("error-summary");
  if (summary && document.activeElement !== summary) { summary.focus(); }

  // NIK and KK checked as you type (same rules as the server, short of the province list).
  function byId(id) { return document.getElementById(id); }
  function hint(input, message) {
    var id = input.id + "-live";
    var el = byId(id);
    if (!message) {
      if (el) { el.remove(); }
      if (!input.getAttribute("data-server-error")) { input.removeAttribute("aria-invalid"); }
      return;
    }
    if (!el) {
      el = document.createElement("p");
      el.id = id;
      el.className = "field-error";
      el.setAttribute("role", "alert");
      input.insertAdjacentElement("afterend", el);
    }
    el.textContent = message;
    input.setAttribute("aria-invalid", "true");
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function checkNumber(input, what) {
    var v = input.value.replace(/[\s.]/g, "");
    if (v === "") { return hint(input, ""); }
    if (!/^\d*$/.test(v)) { return hint(input, what + " hanya boleh berisi angka."); }
    if (v.length !== 16) { return hint(input, what + " harus 16 digit angka; yang diisi " + v.length + " digit."); }
    if (v.slice(2, 4) === "00") { return hint(input, what + ": kode kabupaten/kota (digit 3-4) tidak boleh 00."); }
    if (v.slice(4, 6) === "00") { return hint(input, what + ": kode kecamatan (digit 5-6) tidak boleh 00."); }
    if (v.slice(12) === "0000") { return hint(input, what + ": nomor urut (digit 13-16) tidak boleh 0000."); }
    var day = parseInt(v.slice(6, 8), 10), month = parseInt(v.slice(8, 10), 10);
    if (month < 1 || month > 12) { return hint(input, what + ": bulan (digit 9-10) harus 01–12."); }
    if (what === "NIK") {
      if (!((day >= 1 && day <= 31) || (day >= 41 && day <= 71))) {
        return hint(input, "NIK: tanggal lahir (digit 7-8) harus 01–31, atau 41–71 untuk perempuan.");
      }
      var birth = byId("intake-birth_date"), sex = byId("intake-sex");
      if (sex && sex.value) {
        if (sex.value === "P" && day < 41) { return hint(input, "NIK: NIK ini milik laki-laki (tanggal tanpa +40) tetapi jenis kelamin diisi perempuan"); }
        if (sex.value === "L" && day > 40) { return hint(input, "NIK: NIK ini milik perempuan (tanggal +40) tetapi jenis kelamin diisi laki-laki"); }
      }
      if (birth && birth.value) {
        var parts = birth.value.split("-");
        if (parts.length === 3) {
          var d = parseInt(parts[2], 10), m = parseInt(parts[1], 10), y = parts[0].slice(2);
          if ((day > 40 ? day - 40 : day) !== d) { return hint(input, "NIK: Tanggal lahir pada NIK (digit 7-8) adalah " + (day > 40 ? day - 40 : day) + ", tetapi tanggal lahir yang diisi " + d); }
          if (month !== m) { return hint(input, "NIK: Bulan lahir pada NIK (digit 9-10) adalah " + pad(month) + ", tetapi bulan lahir yang diisi " + pad(m)); }
          if (v.slice(10, 12) !== y) { return hint(input, "NIK: Tahun lahir pada NIK (digit 11-12) adalah " + v.slice(10, 12) + ", tetapi tahun lahir yang diisi " + parts[0]); }
        }
      }
    }
    hint(input, "");
  }

  var nik = byId("intake-nik"), kk = byId("intake-kk_number");
  [nik, kk].forEach(function (input) {
    if (!input) { return; }
    if (input.getAttribute("aria-invalid")) { input.setAttribute("data-server-error", "1"); }
    var what = input === nik ? "NIK" : "Nomor KK";
    input.addEventListener("blur", function () { checkNumber(input, what); });
    input.addEventListener("input", function () { if (byId(input.id + "-live")) { checkNumber(input, what); } });
  });
  ["intake-birth_date", "intake-sex"].forEach(function (id) {
    var el = byId(id);
    if (el && nik) { el.addEventListener("change", function () { if (nik.value) { checkNumber(nik, "NIK"); } }); }
  });
})();
