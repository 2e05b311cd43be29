/* The timekeeper's desk, one track at a time: the next team of the track's call-up queue,
   each team's attempts used and left, arm the next attempt, watch it, and DNF/DSQ only
   after a confirmation that repeats the team, the attempt and the typed reason. */
(function () {
  "use strict";
  var root = document.getElementById("desk");
  var T = root.dataset;
  var teams = JSON.parse(T.teams || "{}");
  var penaltyRules = JSON.parse(T.penalties || "{}");
  var attempts = JSON.parse(T.attempts || "{}");
  var $ = function (id) { return document.getElementById(id); };
  var current = null;
  var recent = {};
  var pending = null;  // the DNF/DSQ waiting for its confirmation: {action, body}
  var nextTeam = null;
  var isStale = KJRuns.versionMemory();  // a slow answer never undoes a newer push

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, k) { return k in values ? values[k] : all; });
  }
  function showError(msg) { KJApi.showError($("desk-error"), msg); }
  function teamOf(slug, code) {
    return (teams[slug] || []).filter(function (t) { return t.code === code; })[0] || null;
  }

  function optionText(slug, t) {
    return t.code + " · " + t.name + " (" + t.used + "/" + (attempts[slug] || 0) + ")";
  }

  function fillTeams() {
    var slug = $("category").value, select = $("team"), keep = select.value;
    select.innerHTML = "";
    (teams[slug] || []).forEach(function (t) {
      var o = document.createElement("option"); o.value = t.code; o.textContent = optionText(slug, t);
      select.appendChild(o);
    });
    if (keep && teamOf(slug, keep)) { select.value = keep; }
    showAttempts();
  }

  function showAttempts() {
    var slug = $("category").value, t = teamOf(slug, $("team").value), max = attempts[slug] || 0;
    $("attempts").textContent = t ? fill(T.tAttempts, {used: t.used, max: max, left: Math.max(0, max - t.used)}) : "";
  }

  /* A pushed run raises its team's count of attempts used (aborted runs count too). */
  function countAttempt(run) {
    var t = teamOf(run.category, run.team);
    if (t && run.attempt > t.used) {
      t.used = run.attempt;
      if (run.category === $("category").value) { fillTeams(); }
    }
  }

  /* The team with the fewest attempts used (then by code) that has one left. */
  function nextInOrder() {
    var best = null;
    Array.prototype.forEach.call($("category").options, function (o) {
      (teams[o.value] || []).forEach(function (t) {
        if (t.used >= (attempts[o.value] || 0)) { return; }
        if (!best || t.used < best.team.used || (t.used === best.team.used && t.code < best.team.code)) {
          best = {category: o.value, team: t};
        }
      });
    });
    return best;
  }

  function showNext(queue) {
    var waiting = (queue && queue[0] && queue[0].queue) || [], label = $("next-team");
    nextTeam = null;
    for (var i = 0; i < waiting.length && !nextTeam; i++) {
      Array.prototype.forEach.call($("category").options, function (o) {
        var t = teamOf(o.value, waiting[i].team);
        if (t && !nextTeam) { nextTeam = {category: o.value, team: t}; }
      });
    }
    if (nextTeam) {
      label.textContent = fill(T.tNext, {team: nextTeam.team.code + " · " + nextTeam.team.name});
    } else {
      nextTeam = nextInOrder();
      label.textContent = nextTeam ? fill(T.tNextOrder, {team: nextTeam.team.code + " · " + nextTeam.team.name}) : T.tNone;
    }
    $("pick-next").hidden = !nextTeam;
  }

  function loadNext() {
    if (!T.track) { return; }
    KJApi.request("GET", "/api/v1/display/callup?arena=" + encodeURIComponent(T.track))
      .then(showNext, function () { showNext(null); });
  }

  function renderRecent() {
    var body = $("recent"); body.innerHTML = "";
    Object.keys(recent).map(Number).sort(function (a, b) { return b - a; }).slice(0, 15).forEach(function (id) {
      var r = recent[id], tr = document.createElement("tr");
      [r.id, r.team_name, r.attempt, KJApi.statusLabel(r.status), KJClock.format(r.elapsed_us)].forEach(function (v) {
        var td = document.createElement("td"); td.textContent = v; tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  function show(run) {
    if (isStale(run)) { return; }
    recent[run.id] = run; renderRecent();
    countAttempt(run);
    if (run.track !== T.track) { return; }
    if (current && current.id !== run.id) { closeConfirm(); }
    current = run;
    $("run-team").textContent = run.team_name + " · #" + run.attempt;
    $("run-status").dataset.status = run.status;
    $("run-status").textContent = KJApi.statusLabel(run.status) + (run.reason ? " (" + run.reason + ")" : "");
    $("abort").hidden = ["armed", "running", "review"].indexOf(run.status) < 0;
    $("dsq").hidden = ["armed", "running", "review", "finished"].indexOf(run.status) < 0;
    $("resolve").hidden = $("resolve-box").hidden = run.status !== "review";
    renderPenalties(run);
    $("run-actions").hidden = $("abort").hidden && $("dsq").hidden && $("penalty-box").hidden;
    if (pending && $(pending.action === "abort" ? "abort" : "dsq").hidden) { closeConfirm(); }
    if (run.status !== "running") { $("run-clock").textContent = run.status === "armed" ? "0.000" : KJClock.format(run.elapsed_us); }
    if (["armed", "running", "review"].indexOf(run.status) < 0) { loadNext(); }
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
        KJApi.request("POST", "/api/v1/runs/" + run.id + "/penalty", {penalty: name, count: 1}).then(show)
          .catch(showError);
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

  function reason() { return $("run-reason").value.trim(); }
  function needReason() {
    if (reason()) { KJApi.markField($("run-reason"), ""); return false; }
    KJApi.markField($("run-reason"), T.tReasonRequired);
    showError(T.tReasonRequired);
    $("run-reason").focus();
    return true;
  }
  function act(action, body) {
    showError("");
    KJApi.request("POST", "/api/v1/runs/" + current.id + "/" + action, body).then(function (run) {
      $("run-reason").value = ""; $("resolve-time").value = ""; show(run);
    }).catch(function (err) {
      if (err.field === "reason") { KJApi.markField($("run-reason"), err.message); }
      if (err.field === "elapsed_us") { KJApi.markField($("resolve-time"), err.message); }
      showError(err);
    });
  }
  function secondsToUs(text) {
    // exact: "12.345" -> 12345000, no floating point on the way
    var m = /^\s*(\d{1,6})(?:[.,](\d{1,6}))?\s*$/.exec(text);
    if (!m) { return null; }
    return parseInt(m[1], 10) * 1000000 + parseInt(((m[2] || "") + "000000").slice(0, 6), 10);
  }

  /* DNF and DSQ are final for the attempt: say what will be stored and wait for a yes. */
  function askConfirm(action) {
    if (!current) { return; }
    showError("");
    if (needReason()) { return; }
    pending = {action: action, id: current.id, body: {reason: reason()}};
    $("confirm-text").textContent = fill(action === "abort" ? T.tConfirmDnf : T.tConfirmDsq,
      {attempt: current.attempt, team: current.team_name, reason: reason()});
    $("confirm-box").hidden = false;
    $("confirm-yes").focus();
  }
  function closeConfirm() { pending = null; $("confirm-box").hidden = true; }

  if ($("category")) {
    $("category").addEventListener("change", fillTeams);
    $("team").addEventListener("change", showAttempts);
    $("pick-next").addEventListener("click", function () {
      if (!nextTeam) { return; }
      $("category").value = nextTeam.category; fillTeams(); $("team").value = nextTeam.team.code; showAttempts();
    });
    $("arm").addEventListener("click", function () {
      showError("");
      KJApi.request("POST", "/api/v1/runs", {category: $("category").value, team: $("team").value}).then(show)
        .catch(showError);
    });
  }
  $("run-reason").addEventListener("input", function () { if (reason()) { KJApi.markField($("run-reason"), ""); } });
  $("abort").addEventListener("click", function () { askConfirm("abort"); });
  $("dsq").addEventListener("click", function () { askConfirm("dsq"); });
  $("confirm-no").addEventListener("click", closeConfirm);
  $("confirm-yes").addEventListener("click", function () {
    if (!pending || !current || pending.id !== current.id) { closeConfirm(); return; }
    var todo = pending; closeConfirm();
    act(todo.action, todo.body);
  });
  $("resolve").addEventListener("click", function () {
    if (!current) { return; }
    var us = secondsToUs($("resolve-time").value);
    if (us === null) { KJApi.markField($("resolve-time"), T.tBadTime); showError(T.tBadTime); return; }
    KJApi.markField($("resolve-time"), "");
    if (needReason()) { return; }
    act("resolve", {elapsed_us: us, reason: reason()});
  });

  KJLive.connect({
    run: show,
    snapshot: function (snap) { (snap.runs || []).forEach(show); }
  }, {onConnect: loadNext});
  if ($("category")) { fillTeams(); }
  window.setInterval(loadNext, 10000);  // a team joining the queue at the check-in desk shows up
  window.requestAnimationFrame(tick);
})();
