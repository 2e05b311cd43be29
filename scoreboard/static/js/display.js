/* The projector: the live run with a smoothly running clock, then its final time,
   and the ranking of its category, all from /live. */
(function () {
  "use strict";
  var root = document.getElementById("display");
  var categories = JSON.parse(root.dataset.categories || "[]");
  var el = {
    team: document.getElementById("live-team"),
    clock: document.getElementById("live-clock"),
    status: document.getElementById("live-status"),
    label: document.getElementById("live-label"),
    conn: document.getElementById("conn"),
    rankTitle: document.getElementById("ranking-title"),
    rankBody: document.getElementById("ranking-body")
  };
  var STATUS = {
    armed: "Bersiap", running: "Berjalan", finished: "Selesai", timeout: "Waktu habis",
    dnf: "Tidak selesai (DNF)", dsq: "Diskualifikasi", review: "Ditinjau juri"
  };
  var current = null;        // the run on screen
  var shownAt = 0;           // when it reached a final state (ms, browser clock)
  var rankingCategory = null;
  var highlight = null;      // team code to highlight in the ranking

  function isFinal(run) { return ["finished", "timeout", "dnf", "dsq", "review"].indexOf(run.status) >= 0; }

  function render() {
    if (!current) { return; }
    el.team.textContent = current.team_name + " (" + current.team + ")";
    el.label.textContent = current.track + " · " + current.category + " · #" + current.attempt;
    el.status.textContent = STATUS[current.status] || current.status;
    el.clock.dataset.status = current.status;
    el.clock.dataset.runId = current.id;
    if (current.status === "finished" || (current.status === "timeout" && current.elapsed_us !== null)) {
      el.clock.textContent = KJClock.format(current.elapsed_us);
    } else if (current.status === "armed") {
      el.clock.textContent = "0.000";
    } else if (current.status !== "running") {
      el.clock.textContent = current.elapsed_us !== null ? KJClock.format(current.elapsed_us) : "—";
    }
  }

  function tick() {
    if (current && current.status === "running") {
      var start = KJClock.startUs(current);
      if (start) { el.clock.textContent = KJClock.format(Math.max(0, KJClock.serverNowUs() - start)); }
    }
    window.requestAnimationFrame(tick);
  }

  function shouldShow(run) {
    if (!current || run.id === current.id) { return true; }
    if (run.status === "running") { return current.status !== "running"; }
    var idle = isFinal(current) && Date.now() - shownAt > 4000;
    if (run.status === "armed") { return current.status === "armed" || idle; }
    return false;
  }

  function onRun(run) {
    if (!shouldShow(run)) { return; }
    var changedCategory = !current || current.category !== run.category;
    current = run;
    if (isFinal(run)) { shownAt = Date.now(); highlight = run.team; }
    render();
    if (changedCategory) { loadRanking(run.category); }
  }

  function renderRanking(data) {
    if (data.category !== rankingCategory) { return; }
    var cat = categories.filter(function (c) { return c.slug === data.category; })[0];
    el.rankTitle.textContent = "Peringkat · " + (cat ? cat.name : data.category);
    el.rankBody.innerHTML = "";
    data.entries.slice(0, 12).forEach(function (e) {
      var tr = document.createElement("tr");
      if (e.team === highlight) { tr.className = "new-result"; }
      [e.rank === null ? "–" : String(e.rank), e.team_name, KJClock.format(e.best_us)].forEach(function (text) {
        var td = document.createElement("td"); td.textContent = text; tr.appendChild(td);
      });
      tr.dataset.team = e.team;
      el.rankBody.appendChild(tr);
    });
  }

  function loadRanking(slug) {
    rankingCategory = slug;
    fetch("/api/v1/categories/" + encodeURIComponent(slug) + "/ranking", {cache: "no-store"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { renderRanking(data); } })
      .catch(function () {});
  }

  var socket = io("/live", {transports: ["websocket", "polling"]});
  socket.on("connect", function () { el.conn.dataset.state = "online"; KJClock.sync(); });
  socket.on("disconnect", function () { el.conn.dataset.state = "offline"; });
  socket.on("snapshot", function (snap) {
    var runs = snap.runs || [];
    var pick = runs.filter(function (r) { return r.status === "running"; })[0] || runs[0];
    if (pick) { current = null; onRun(pick); }
    if (current && current.id && !pick) {
      fetch("/api/v1/runs/" + current.id, {cache: "no-store"}).then(function (r) { return r.json(); })
        .then(function (run) { current = null; onRun(run); }).catch(function () {});
    }
    if (rankingCategory) { loadRanking(rankingCategory); }
  });
  socket.on("run", onRun);
  socket.on("ranking", function (data) { if (data.category === rankingCategory) { renderRanking(data); } });

  var firstTimed = categories.filter(function (c) { return c.format === "timed"; })[0];
  if (firstTimed) { loadRanking(firstTimed.slug); }
  window.requestAnimationFrame(tick);
})();
