/* Shared by the desk and the projector: the server clock offset and time formatting.
   Times come from the gate edges; the browser only animates the clock between them. */
(function () {
  "use strict";
  var offsetUs = 0;          // server clock minus this browser's clock, µs
  var bestRtt = Infinity;

  function sample() {
    var t0 = Date.now();
    return KJApi.request("GET", "/api/v1/time").then(function (body) {
      var t1 = Date.now();
      var rtt = t1 - t0;
      // keep the fastest round trip: its midpoint is the least uncertain
      if (rtt <= bestRtt) {
        bestRtt = rtt;
        offsetUs = body.now_us - ((t0 + t1) / 2) * 1000;
      }
    }).catch(function () {});
  }

  function sync() {
    bestRtt = Infinity;
    var p = Promise.resolve();
    for (var i = 0; i < 5; i++) { p = p.then(sample); }
    return p;
  }

  /** Microseconds → "12.345": truncated to the millisecond, never rounded up. */
  function format(us) {
    if (us === null || us === undefined || us < 0) { return "—"; }
    var ms = Math.floor(us / 1000);
    var s = Math.floor(ms / 1000);
    var rest = String(ms % 1000);
    while (rest.length < 3) { rest = "0" + rest; }
    return s + "." + rest;
  }

  function serverNowUs() { return Date.now() * 1000 + offsetUs; }

  /** When the run started, on the server's clock: the start edge's wall-clock estimate. */
  function startUs(run) {
    return run.start_t_epoch_us || run.started_server_us || null;
  }

  window.KJClock = {sync: sync, format: format, serverNowUs: serverNowUs, startUs: startUs};
  sync();
  setInterval(sync, 30000);
})();
