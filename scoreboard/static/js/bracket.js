/* The public bracket page follows /live: on a `bracket` or `match` event of its category
   (and on every connect, the first one too: a result stored between the page being
   rendered and the socket connecting is never pushed again) it fetches its own fragment
   again from the server, so the page is rendered in one place only. */
(function () {
  "use strict";
  var root = document.getElementById("bagan");
  if (!root || typeof io === "undefined") { return; }
  var slug = root.dataset.category;
  var body = document.getElementById("bagan-body");
  var conn = document.getElementById("bagan-conn");
  var pending = null;
  var inFlight = false;
  var again = false;

  function refresh() {
    if (inFlight) { again = true; return; }
    inFlight = true;
    KJApi.getHtml(root.dataset.fragment)
      .then(function (html) { if (html !== null) { body.innerHTML = html; } })
      .catch(function () { /* offline for a moment: the next event or reconnect retries */ })
      .then(function () {
        inFlight = false;
        if (again) { again = false; refresh(); }
      });
  }

  function soon() {  // several events of one change arrive together: fetch once
    if (pending) { clearTimeout(pending); }
    pending = setTimeout(function () { pending = null; refresh(); }, 150);
  }

  var socket = KJLive.connect({}, { badge: conn, onConnect: soon });
  socket.on("bracket", function (data) { if (data && data.category === slug) { soon(); } });
  socket.on("match", function (data) { if (data && data.category === slug) { soon(); } });
})();
