/* What a server confirmed, kept in this browser for ten minutes, to send again when
 * another server answers: a standby promoted after the primary died may not yet have
 * copied the last second of confirmations. Every response names its server
 * (header X-Kejurda-Server); when the name changes, `seen` returns the confirmed
 * submissions of the window, oldest first, and the page queues them again. The server
 * stores each one once (idempotency keys), so sending one it already has is harmless.
 * (docs/data-safety.md) */
window.KejurdaResend = function (prefix) {
  "use strict";
  var WINDOW_MS = 10 * 60 * 1000;
  function load(name, fallback) {
    try { return JSON.parse(localStorage.getItem(prefix + name)) || fallback; } catch (e) { return fallback; }
  }
  function store(name, value) { localStorage.setItem(prefix + name, JSON.stringify(value)); }
  var acked = load("acked", []);      // [{item, at}] oldest first
  var server = load("server", null);  // the server that answered last
  function prune() {
    var now = Date.now();
    acked = acked.filter(function (a) { return now - a.at < WINDOW_MS; });
  }
  var self = {
    confirmed: function (item) {
      prune();
      acked.push({item: JSON.parse(JSON.stringify(item)), at: Date.now()});
      store("acked", acked);
    },
    seen: function (response) {
      var id = response && response.headers ? response.headers.get("X-Kejurda-Server") : null;
      if (!id || id === server) { return []; }
      var previous = server;
      server = id; store("server", server);
      if (!previous) { return []; }
      prune(); store("acked", acked);
      return acked.map(function (a) { return JSON.parse(JSON.stringify(a.item)); });
    },
    // a tablet with nothing to send still notices the move: a small read every 5 s
    watch: function (onItems) {
      window.setInterval(function () {
        KJApi.send("GET", "/api/v1/categories")
          .then(function (r) {
            var items = self.seen(r);
            if (items.length) { onItems(items); }
          }, function () { /* offline: the next try will tell */ });
      }, 5000);
    }
  };
  return self;
};
