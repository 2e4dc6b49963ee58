// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Confirm destructive actions marked with data-confirm.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var msg = form.getAttribute && form.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  });
})();
