/* The referee's pad for one sumo bout or soccer game.
 *
 * Every tap is an event kept in this browser (localStorage), so a reload or a flat
 * battery mid-bout loses nothing; "undo" drops the last one. The result is put in a
 * durable queue with an Idempotency-Key before it is sent and re-sent until the server's
 * own answer for that match arrives (its JSON with the match id and a newer version):
 * a captive portal's page or a login redirect is not a confirmation. */
(function () {
  "use strict";
  var root = document.getElementById("pad");
  if (!root) { return; }
  var T = root.dataset, kind = T.kind, rules = JSON.parse(T.rules || "{}");
  var $ = function (id) { return document.getElementById(id); };
  var prefix = "kejurda.pad." + T.user + ".";
  var stateKey = prefix + T.category + "/" + T.match;
  var RETRY_MS = 3000;
  var sending = false;

  function load(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  var events = load(stateKey, []);
  var queue = load(prefix + "queue", []);
  function save() { localStorage.setItem(stateKey, JSON.stringify(events)); }
  function saveQueue() { localStorage.setItem(prefix + "queue", JSON.stringify(queue)); }
  var resend = window.KejurdaResend(prefix);  // confirmed results, again for a new server

  function requeue(items) {
    // sent exactly as before (same key, same expected version), ahead of what still waits
    if (!items.length) { return; }
    var keys = {};
    queue.forEach(function (q) { keys[q.key] = true; });
    queue = items.filter(function (i) { return !keys[i.key]; }).concat(queue);
    saveQueue();
  }
  resend.watch(function (items) { requeue(items); flush(); });

  function newKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return "pad-" + Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // ---------------------------------------------------------------- the record

  function sumo() {
    var rounds = [], cur = {home: 0, away: 0}, yuko = {home: 0, away: 0};
    events.forEach(function (ev) {
      var parts = ev.split(":");
      if (parts[0] === "warn") { cur[parts[1]] += 1; return; }
      var end = parts[0] === "yuko" ? parts[1] + "_yuko" : parts[0];
      if (parts[0] === "yuko") { yuko[parts[1]] += 1; }
      rounds.push({end: end, home_warnings: cur.home, away_warnings: cur.away});
      cur = {home: 0, away: 0};
    });
    return {rounds: rounds, warnings: cur, yuko: yuko};
  }

  function soccer() {
    var half = 1, goals = {1: {home: 0, away: 0}, 2: {home: 0, away: 0}};
    events.forEach(function (ev) {
      var parts = ev.split(":");
      if (parts[0] === "half") { half = 2; } else { goals[half][parts[1]] += 1; }
    });
    return {half: half, goals: goals};
  }

  function body() {
    var data = {expected_version: Number(T.version)};
    if (kind === "sumo") {
      data.rounds = sumo().rounds;
      if ($("pad-judges").value) { data.judges_decision = $("pad-judges").value; }
    } else {
      var g = soccer().goals;
      data.home_first = g[1].home; data.away_first = g[1].away;
      data.home_second = g[2].home; data.away_second = g[2].away;
    }
    if ($("pad-reason") && $("pad-reason").value.trim()) { data.reason = $("pad-reason").value.trim(); }
    return data;
  }

  // ---------------------------------------------------------------- the clock

  var clock = {running: false, startedAt: 0, used: 0};
  function limitS() { return kind === "sumo" ? rules.round_time_s : rules.half_time_s; }
  function leftMs() {
    var used = clock.used + (clock.running ? Date.now() - clock.startedAt : 0);
    return Math.max(0, limitS() * 1000 - used);
  }
  function resetClock() { clock = {running: false, startedAt: 0, used: 0}; drawClock(); }
  function drawClock() {
    var s = Math.ceil(leftMs() / 1000);
    $("pad-clock").textContent = Math.floor(s / 60) + ":" + ("0" + (s % 60)).slice(-2);
    $("pad-clock").dataset.running = clock.running ? "1" : "0";
  }

  // ---------------------------------------------------------------- drawing

  function render() {
    var log = $("pad-log"); log.innerHTML = "";
    if (kind === "sumo") {
      var s = sumo();
      $("score-home").textContent = s.yuko.home; $("score-away").textContent = s.yuko.away;
      $("warn-home").textContent = s.warnings.home; $("warn-away").textContent = s.warnings.away;
      $("pad-phase").textContent = "R" + (s.rounds.filter(function (r) { return r.end !== "rematch"; }).length + 1);
      s.rounds.forEach(function (r) {
        var li = document.createElement("li");
        li.textContent = r.end === "rematch" ? T.tRematch : r.end === "time_up" ? T.tTimeup : r.end;
        log.appendChild(li);
      });
    } else {
      var c = soccer();
      $("score-home").textContent = c.goals[1].home + c.goals[2].home;
      $("score-away").textContent = c.goals[1].away + c.goals[2].away;
      $("pad-phase").textContent = c.half === 1 ? "1" : "2";
      [1, 2].forEach(function (h) {
        var li = document.createElement("li");
        li.textContent = h + ": " + c.goals[h].home + " – " + c.goals[h].away; log.appendChild(li);
      });
    }
    var pending = queue.some(function (q) { return q.slug === T.category && q.match === T.match; });
    if (pending) { $("pad-state").textContent = T.tPending; $("pad-state").dataset.state = "pending"; }
    $("conn").dataset.state = navigator.onLine ? "online" : "offline";
    $("conn").textContent = navigator.onLine ? "●" : "○";
  }

  function tap(ev) { events.push(ev); save(); render(); }

  // ---------------------------------------------------------------- sending

  function setAlert(msg) { $("pad-alert").textContent = msg || ""; $("pad-alert").hidden = !msg; }

  function answer(item, status, data) {
    if (data && data.id === item.match && typeof data.version === "number" &&
        data.version > item.body.expected_version) {
      resend.confirmed(item);
      queue = queue.filter(function (q) { return q.key !== item.key; }); saveQueue();
      if (item.match === T.match) {
        T.version = String(data.version);
        $("pad-state").textContent = T.tSaved + " · " + T.tVersion + " " + data.version;
        $("pad-state").dataset.state = "saved";
      }
      return true;
    }
    var error = data && typeof data.error === "string" ? data.error : null;
    var transient = status === 401 || (status === 403 && error && error.indexOf("CSRF") >= 0);
    if (error && !transient && [400, 403, 404, 409, 422].indexOf(status) >= 0) {
      queue = queue.filter(function (q) { return q.key !== item.key; }); saveQueue();
      if (item.match === T.match) {
        var msg = KJApi.explain(error).message;
        if (status === 409 && data.current) {
          T.version = String(data.current.version);
          msg += " — " + T.tCurrent + ": " + JSON.stringify(data.result || data.current.result || null);
        }
        $("pad-state").textContent = msg; $("pad-state").dataset.state = "refused";
      }
      return true;
    }
    if (transient) { setAlert(T.tSignin); }
    return false;
  }

  function flush() {
    render();
    if (sending || !queue.length) { return; }
    var item = queue[0], status = 0;
    sending = true;
    KJApi.send("POST", "/api/v1/categories/" + encodeURIComponent(item.slug) + "/matches/" +
               encodeURIComponent(item.match) + "/result", item.body,
               {redirect: "manual", headers: {"Idempotency-Key": item.key}}).then(function (reply) {
      var data = reply.body;
      status = reply.status;
      requeue(resend.seen(reply));
      sending = false;
      if (answer(item, status, data)) { setAlert(""); flush(); }
    }, function () { sending = false; render(); });
  }

  // ---------------------------------------------------------------- wiring

  Array.prototype.forEach.call(document.querySelectorAll(".pad-point"), function (b) {
    b.addEventListener("click", function () {
      tap((kind === "sumo" ? "yuko:" : "goal:") + b.dataset.side);
      if (kind === "sumo") { resetClock(); }
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll(".pad-warning"), function (b) {
    b.addEventListener("click", function () { tap("warn:" + b.dataset.side); });
  });
  if (kind === "sumo") {
    $("pad-timeup").addEventListener("click", function () { tap("time_up"); resetClock(); });
    $("pad-rematch").addEventListener("click", function () { tap("rematch"); resetClock(); });
  } else {
    $("pad-half").addEventListener("click", function () {
      if (soccer().half === 1) { tap("half"); resetClock(); }
    });
  }
  $("pad-undo").addEventListener("click", function () { events.pop(); save(); render(); });
  $("clock-toggle").addEventListener("click", function () {
    if (clock.running) { clock.used += Date.now() - clock.startedAt; clock.running = false; }
    else { clock.startedAt = Date.now(); clock.running = true; }
    drawClock();
  });
  $("clock-reset").addEventListener("click", resetClock);
  $("pad-submit").addEventListener("click", function () {
    queue.push({key: newKey(), slug: T.category, match: T.match, body: body()});
    saveQueue();  // durable before it goes on the wire
    flush();
  });
  window.addEventListener("online", flush);
  window.addEventListener("offline", render);
  window.setInterval(flush, RETRY_MS);
  window.setInterval(drawClock, 250);
  render(); drawClock(); flush();
})();
