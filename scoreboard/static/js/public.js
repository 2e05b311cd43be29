/* Public pages on phones: the ranking and a team's attempts follow /live without a reload.
   Read-only: it only listens, and re-asks the API on every connect (a change between the
   page being rendered and the socket connecting, or while away, is not pushed again). */
(function () {
  "use strict";
  var rankingRoot = document.getElementById("public-ranking");
  var teamRoot = document.getElementById("public-team");
  var root = rankingRoot || teamRoot;
  if (!root) { return; }
  var category = root.dataset.category;
  var labels = JSON.parse(document.getElementById("status-labels").textContent || "{}");
  var conn = document.getElementById("conn");

  function label(status) { return labels[status] || status; }
  function cell(tr, text, href) {
    var td = document.createElement("td");
    if (href) { var a = document.createElement("a"); a.href = href; a.textContent = text; td.appendChild(a); }
    else { td.textContent = text; }
    tr.appendChild(td);
  }
  function bestText(us) { return us === null || us === undefined ? "—" : KJClock.format(us); }

  function renderRanking(data) {
    if (data.category !== category) { return; }
    if (rankingRoot) {
      var body = document.getElementById("ranking-body");
      var old = {};
      Array.prototype.forEach.call(body.rows, function (tr) { old[tr.dataset.team] = tr.textContent; });
      body.innerHTML = "";
      data.entries.forEach(function (e) {
        var tr = document.createElement("tr");
        tr.dataset.team = e.team;
        cell(tr, e.rank === null ? "–" : String(e.rank));
        cell(tr, e.team_name, "/tim/" + encodeURIComponent(e.team));
        cell(tr, bestText(e.best_us));
        cell(tr, label(e.status));
        if (old[e.team] !== undefined && old[e.team] !== tr.textContent) { tr.className = "new-result"; }
        body.appendChild(tr);
      });
    }
    if (teamRoot) {
      var mine = data.entries.filter(function (e) { return e.team === teamRoot.dataset.team; })[0];
      if (mine) {
        document.getElementById("team-rank").textContent = mine.rank === null ? "–" : String(mine.rank);
        document.getElementById("team-best").textContent = bestText(mine.best_us);
      }
    }
  }

  var isStale = KJRuns.versionMemory();  // a fetched copy never undoes a pushed one
  function onRun(run) {
    if (isStale(run)) { return; }
    if (rankingRoot && run.category === category) {
      var line = document.getElementById("live-run");
      line.hidden = false;
      line.textContent = run.team_name + " · #" + run.attempt + " · " + label(run.status) +
        (run.elapsed_us !== null ? " · " + KJClock.format(run.elapsed_us) : "");
    }
    if (teamRoot && run.team === teamRoot.dataset.team) {
      var body = document.getElementById("runs-body");
      var empty = body.querySelector("tr.empty");
      if (empty) { empty.remove(); }
      var tr = body.querySelector("tr[data-run='" + run.id + "']");
      if (!tr) { tr = document.createElement("tr"); tr.dataset.run = run.id; body.appendChild(tr); }
      tr.innerHTML = "";
      cell(tr, String(run.attempt)); cell(tr, label(run.status)); cell(tr, bestText(run.elapsed_us));
    }
  }

  /* A ranking has no version: an answer to a question asked before a push (or before a
     later question) would undo what that push showed, so only the newest turn's answer is used. */
  var turn = 0;
  function getJson(url) {
    return KJApi.send("GET", url).then(function (r) { return r.ok ? r.body : null; });
  }
  function reload() {
    var mine = ++turn;
    getJson("/api/v1/categories/" + encodeURIComponent(category) + "/ranking")
      .then(function (data) { if (data && mine === turn) { renderRanking(data); } }).catch(function () {});
    if (!teamRoot) { return; }
    // the team's attempts: one that ended while away is in no snapshot (it holds no track)
    getJson("/api/v1/runs?category=" + encodeURIComponent(category) + "&limit=1000").then(function (list) {
      (list || []).filter(function (r) { return r.team === teamRoot.dataset.team; })
        .sort(function (a, b) { return a.id - b.id; }).forEach(onRun);
    }).catch(function () {});
  }

  var socket = KJLive.connect({}, {badge: conn, onConnect: reload});
  socket.on("snapshot", function (snap) { (snap.runs || []).forEach(onRun); });
  socket.on("run", onRun);
  socket.on("ranking", function (data) {
    if (data.category === category) { turn += 1; }
    renderRanking(data);
  });
})();
