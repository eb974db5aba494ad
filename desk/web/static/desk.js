// desk.js fetches the story board again every 15 seconds, and when the
// editor comes back to the tab, and shows the new one, so new stories
// appear without a reload. It leaves the page alone
// while the editor is working in it: a ticked story, a field with focus or
// an open actions panel. The board is rendered and escaped by the server;
// this script only swaps it in.
"use strict";
(function () {
  var board = document.getElementById("board");
  if (!board) {
    return;
  }
  var busy = function () {
    return board.querySelector("input:checked, details[open]") !== null ||
      (document.activeElement && board.contains(document.activeElement) && document.activeElement.tagName !== "BODY");
  };
  var refresh = function () {
    if (document.hidden || busy()) {
      return;
    }
    var q = board.getAttribute("data-query");
    fetch("/desk/board" + (q ? "?" + q : ""), { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        if (!busy()) {
          board.innerHTML = html;
        }
      })
      .catch(function () { /* the next round tries again */ });
  };
  setInterval(refresh, 15000);
  window.addEventListener("focus", refresh);
  document.addEventListener("visibilitychange", refresh);
})();
