/* Campaign page: while it runs, poll its progress and move the bars; reload when it ends so
   the server draws the final chart. */
(function () {
  "use strict";
  var box = document.getElementById("campaign-progress");
  if (!box || box.dataset.finished === "yes") return;
  function set(id, value) { var el = document.getElementById(id); if (el) el.textContent = value; }
  function tick() {
    fetch(box.dataset.url, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        set("planned", p.planned); set("waiting", p.waiting); set("sent", p.sent);
        set("delivered", p.delivered); set("failed", p.failed); set("cancelled", p.cancelled);
        set("gone-percent", p.gone_percent);
        document.getElementById("planned-bar").setAttribute("width", p.planned_percent);
        document.getElementById("gone-bar").setAttribute("width", p.gone_percent);
        var state = document.getElementById("state");
        state.textContent = p.state_label; state.className = "badge " + p.state;
        if (p.state === "done" || p.state === "cancelled") { window.location.reload(); return; }
        setTimeout(tick, 2000);
      })
      .catch(function () { setTimeout(tick, 5000); });
  }
  setTimeout(tick, 1500);
})();
