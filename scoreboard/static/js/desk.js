/* The timekeeper's desk: arm a team's next attempt, watch it, abort it. */
(function () {
  "use strict";
  var root = document.getElementById("desk");
  var teams = JSON.parse(root.dataset.teams || "{}");
  var penaltyRules = JSON.parse(root.dataset.penalties || "{}");
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var $ = function (id) { return document.getElementById(id); };
  var current = null;
  var recent = {};
  var isStale = KJRuns.versionMemory();  // a slow answer never undoes a newer push

  function api(method, path, body) {
    return fetch(path, {
      method: method, credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: body ? JSON.stringify(body) : undefined
    }).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) { throw new Error(data.error || ("HTTP " + r.status)); }
        return data;
      });
    });
  }

  function showError(msg) { var e = $("desk-error"); e.textContent = msg || ""; e.hidden = !msg; }

  function fillTeams() {
    var slug = $("category").value, select = $("team");
    select.innerHTML = "";
    (teams[slug] || []).forEach(function (t) {
      var o = document.createElement("option"); o.value = t.code; o.textContent = t.code + " · " + t.name;
      select.appendChild(o);
    });
  }

  function renderRecent() {
    var body = $("recent"); body.innerHTML = "";
    Object.keys(recent).map(Number).sort(function (a, b) { return b - a; }).slice(0, 15).forEach(function (id) {
      var r = recent[id], tr = document.createElement("tr");
      [r.id, r.team_name, r.attempt, r.status, KJClock.format(r.elapsed_us)].forEach(function (v) {
        var td = document.createElement("td"); td.textContent = v; tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  function show(run) {
    if (isStale(run)) { return; }
    recent[run.id] = run; renderRecent();
    var track = $("category").selectedOptions[0] && $("category").selectedOptions[0].dataset.track;
    if (run.track !== track) { return; }
    current = run;
    $("run-team").textContent = run.team_name + " · #" + run.attempt;
    $("run-status").textContent = run.status + (run.reason ? " (" + run.reason + ")" : "");
    $("abort").hidden = ["armed", "running", "review"].indexOf(run.status) < 0;
    $("dsq").hidden = ["armed", "running", "review", "finished"].indexOf(run.status) < 0;
    $("resolve").hidden = $("resolve-box").hidden = run.status !== "review";
    renderPenalties(run);
    $("run-actions").hidden = $("abort").hidden && $("dsq").hidden && $("penalty-box").hidden;
    if (run.status !== "running") { $("run-clock").textContent = run.status === "armed" ? "0.000" : KJClock.format(run.elapsed_us); }
  }

  /* One button per penalty of the category: +1 to the running or finished run. */
  function renderPenalties(run) {
    var box = $("penalty-box"), rules = penaltyRules[run.category] || {};
    var names = Object.keys(rules);
    box.innerHTML = "";
    box.hidden = !names.length || ["running", "finished", "review", "timeout"].indexOf(run.status) < 0;
    names.forEach(function (name) {
      var b = document.createElement("button");
      b.className = "big"; b.dataset.penalty = name;
      b.textContent = "+1 " + name + " (+" + rules[name] + " s) · " + ((run.penalties || {})[name] || 0);
      b.addEventListener("click", function () {
        api("POST", "/api/v1/runs/" + run.id + "/penalty", {penalty: name, count: 1}).then(show)
          .catch(function (e) { showError(e.message); });
      });
      box.appendChild(b);
    });
  }

  function tick() {
    if (current && current.status === "running") {
      var start = KJClock.startUs(current);
      if (start) { $("run-clock").textContent = KJClock.format(Math.max(0, KJClock.serverNowUs() - start)); }
    }
    window.requestAnimationFrame(tick);
  }

  $("category").addEventListener("change", fillTeams);
  $("arm").addEventListener("click", function () {
    showError("");
    api("POST", "/api/v1/runs", {category: $("category").value, team: $("team").value}).then(show)
      .catch(function (e) { showError(e.message); });
  });
  function reason() { return $("run-reason").value.trim(); }
  function act(action, body) {
    showError("");
    api("POST", "/api/v1/runs/" + current.id + "/" + action, body).then(function (run) {
      $("run-reason").value = ""; $("resolve-time").value = ""; show(run);
    }).catch(function (e) { showError(e.message); });
  }
  function secondsToUs(text) {
    // exact: "12.345" -> 12345000, no floating point on the way
    var m = /^\s*(\d{1,6})(?:[.,](\d{1,6}))?\s*$/.exec(text);
    if (!m) { return null; }
    return parseInt(m[1], 10) * 1000000 + parseInt(((m[2] || "") + "000000").slice(0, 6), 10);
  }
  $("abort").addEventListener("click", function () {
    if (!current) { return; }
    act("abort", {reason: reason() || "dihentikan pencatat waktu"});
  });
  $("dsq").addEventListener("click", function () {
    if (!current) { return; }
    if (!reason()) { showError($("run-actions").dataset.tReasonRequired); return; }
    act("dsq", {reason: reason()});
  });
  $("resolve").addEventListener("click", function () {
    if (!current) { return; }
    var us = secondsToUs($("resolve-time").value);
    if (us === null) { showError($("run-actions").dataset.tBadTime); return; }
    if (!reason()) { showError($("run-actions").dataset.tReasonRequired); return; }
    act("resolve", {elapsed_us: us, reason: reason()});
  });

  var socket = io("/live", {transports: ["websocket", "polling"]});
  socket.on("run", show);
  socket.on("snapshot", function (snap) { (snap.runs || []).forEach(show); });
  fillTeams();
  window.requestAnimationFrame(tick);
})();
