/* Stream overlays (OBS browser source). The same /live events as the projector drive four
   small layouts on a transparent page: the live run (lower third with its running clock),
   a category's ranking ticker, a match's scoreboard bug, and who is next where. */
(function () {
  "use strict";
  var root = document.getElementById("overlay");
  var kind = root.dataset.kind;
  var onlyTrack = root.dataset.track;
  var category = root.dataset.category;
  var tracks = JSON.parse(root.dataset.tracks || "{}");
  var T = JSON.parse(root.dataset.texts || "{}");
  var isStale = KJRuns.versionMemory();
  var FINAL = ["finished", "timeout", "dnf", "dsq", "review"];
  var HOLD_MS = 8000;  // a final time stays on the lower third this long
  var current = null;
  var hideTimer = null;
  var turn = 0;        // only the newest question's answer is shown

  function $(id) { return document.getElementById(id); }
  function getJson(url) {
    return KJApi.send("GET", url).then(function (r) { return r.ok ? r.body : null; });
  }

  // ------------------------------------------------------------ the live run
  function showRun(run) {
    if (!run || isStale(run) || (onlyTrack && run.track !== onlyTrack)) { return; }
    if (current && current.id !== run.id && current.status === "running" &&
        run.status !== "running") { return; }  // a running run keeps the lower third
    current = run;
    $("lt-label").textContent = (tracks[run.track] || run.track) + " · #" + run.attempt;
    $("lt-team").textContent = run.team_name;
    $("lt-status").textContent = T[run.status] || run.status;
    $("lt-clock").dataset.status = run.status;
    if (run.status === "armed") { $("lt-clock").textContent = "0.000"; }
    if (FINAL.indexOf(run.status) >= 0) {
      $("lt-clock").textContent = run.elapsed_us !== null ? KJClock.format(run.elapsed_us) : "—";
    }
    $("lower-third").hidden = false;
    clearTimeout(hideTimer);
    if (FINAL.indexOf(run.status) >= 0) {
      hideTimer = setTimeout(function () { $("lower-third").hidden = true; }, HOLD_MS);
    }
  }

  function tick() {
    if (current && current.status === "running") {
      var start = KJClock.startUs(current);
      if (start) { $("lt-clock").textContent = KJClock.format(Math.max(0, KJClock.serverNowUs() - start)); }
    }
    window.requestAnimationFrame(tick);
  }

  // ------------------------------------------------------------ the ranking ticker
  function measure(e) {
    if (e.best_us !== null && e.best_us !== undefined) { return KJClock.format(e.best_us); }
    if (e.score !== null && e.score !== undefined) { return String(e.score); }
    if (e.points !== null && e.points !== undefined) { return e.points + " pt"; }
    return "";
  }
  function showRanking(data) {
    if (!data || data.category !== category) { return; }
    var track = $("ticker-track");
    track.textContent = "";
    data.entries.filter(function (e) { return e.rank !== null; }).forEach(function (e) {
      var item = document.createElement("span");
      var rank = document.createElement("b");
      rank.textContent = e.rank + ".";
      item.appendChild(rank);
      item.appendChild(document.createTextNode(e.team_name + "  " + measure(e)));
      track.appendChild(item);
    });
  }
  function loadRanking() {
    var mine = ++turn;
    getJson("/api/v1/categories/" + category + "/ranking").then(function (data) {
      if (mine === turn) { showRanking(data); }
    }).catch(function () {});
  }

  // ------------------------------------------------------------ the match bug
  function showMatch(m) {
    if (!m || m.category !== category || !m.home || !m.away) { return; }
    var result = m.result || {};
    // the round by its name in the page's language ("Semifinal"), as on the projector
    $("bug-round").textContent = KJResults.roundName(m.round_key, T.results) || "#" + m.id;
    $("bug-home").textContent = m.home_name || m.home;
    $("bug-away").textContent = m.away_name || m.away;
    $("bug-home-score").textContent = result.home_score !== undefined ? result.home_score : "";
    $("bug-away-score").textContent = result.away_score !== undefined ? result.away_score : "";
    $("bug-home").parentNode.classList.toggle("winner", !!m.winner && m.winner === m.home);
    $("bug-away").parentNode.classList.toggle("winner", !!m.winner && m.winner === m.away);
    $("bug").hidden = false;
  }
  function loadMatch() {
    var mine = ++turn;
    getJson("/api/v1/matches?category=" + category).then(function (list) {
      if (mine !== turn || !list) { return; }
      // the match being played: the first ready one, else the last one with a result
      var ready = list.filter(function (m) { return m.status === "ready"; })[0];
      var done = list.filter(function (m) { return m.status === "done"; }).pop();
      showMatch(done && (!ready || done === list[list.length - 1]) ? done : ready || done);
    }).catch(function () {});
  }

  // ------------------------------------------------------------ next up
  function loadNext() {
    var mine = ++turn;
    getJson("/api/v1/display/callup").then(function (queues) {
      if (mine !== turn || !queues) { return; }
      var list = $("next-list");
      list.textContent = "";
      queues.forEach(function (q) {
        if (!q.queue.length) { return; }
        var li = document.createElement("li");
        var where = document.createElement("b");
        where.textContent = q.name;
        li.appendChild(where);
        li.appendChild(document.createTextNode(q.queue[0].team_name + " (" + q.queue[0].institution + ")"));
        list.appendChild(li);
      });
      $("next-up").hidden = !list.children.length;
    }).catch(function () {});
  }

  // ------------------------------------------------------------ connection
  var socket = KJLive.connect({}, {onConnect: function () {
    KJClock.sync();
    if (kind === "ranking") { loadRanking(); }
    if (kind === "match") { loadMatch(); }
    if (kind === "next") { loadNext(); }
  }});
  if (kind === "run") {
    socket.on("snapshot", function (snap) {
      var runs = (snap.runs || []).filter(function (r) { return !onlyTrack || r.track === onlyTrack; });
      var running = runs.filter(function (r) { return r.status === "running"; })[0] || runs[0];
      if (running) { current = null; showRun(running); }
    });
    socket.on("run", showRun);
    window.requestAnimationFrame(tick);
  }
  if (kind === "ranking") {
    socket.on("ranking", function (data) { turn++; showRanking(data); });
  }
  if (kind === "match") { socket.on("match", function (m) { turn++; showMatch(m); }); }
  if (kind === "next") { socket.on("callup", loadNext); }
})();
