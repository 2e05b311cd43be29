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

  var format = root.dataset.format || "timed";
  var texts = JSON.parse((document.getElementById("result-texts") || {}).textContent || "{}");
  texts.statuses = texts.statuses || labels;
  var HIGHLIGHT_MS = 4000;  // a changed row is marked this long, then looks like the others

  /* Marks the rows whose text changed since the last table, and only those, briefly. */
  function rowKey(tr) {  // the cells' texts: the server's markup has other whitespace
    return Array.prototype.map.call(tr.cells, function (c) { return c.textContent.trim(); }).join("|");
  }
  function markChanged(tr, before) {
    if (before === undefined || before === rowKey(tr)) { return; }
    tr.className = "new-result";
    window.setTimeout(function () { tr.className = ""; }, HIGHLIGHT_MS);
  }

  function rankingRow(e) {
    var tr = document.createElement("tr");
    tr.dataset.team = e.team;
    cell(tr, e.rank === null ? "–" : String(e.rank));
    cell(tr, e.team_name, "/tim/" + encodeURIComponent(e.team));
    KJResults.cells(e, format, texts).forEach(function (t) { cell(tr, t); });
    cell(tr, label(e.status));
    return tr;
  }

  function renderTeamFacts(mine) {
    document.getElementById("team-rank").textContent = mine.rank === null ? "–" : String(mine.rank);
    var ids = {judged: ["team-score"], match: ["team-played", "team-wins", "team-stage"]}[format] || ["team-best"];
    KJResults.cells(mine, format, texts).forEach(function (text, i) {
      document.getElementById(ids[i]).textContent = text;
    });
    document.getElementById("team-status").textContent = label(mine.status);
  }

  function renderRanking(data) {
    if (data.category !== category) { return; }
    if (rankingRoot) {
      var body = document.getElementById("ranking-body");
      var old = {};
      Array.prototype.forEach.call(body.rows, function (tr) { old[tr.dataset.team] = rowKey(tr); });
      body.innerHTML = "";
      data.entries.forEach(function (e) {
        var tr = rankingRow(e);
        body.appendChild(tr);
        markChanged(tr, old[e.team]);
      });
    }
    if (teamRoot) {
      var mine = data.entries.filter(function (e) { return e.team === teamRoot.dataset.team; })[0];
      if (mine) { renderTeamFacts(mine); }
    }
  }

  /* A team's matches are written by the server (round names, opponents): the page asks for
     itself again and takes the table from it, so they are rendered in one place only. */
  function reloadTeamMatches() {
    var table = document.getElementById("team-matches");
    if (!table) { return; }
    KJApi.getHtml(window.location.pathname)
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("team-matches");
        if (fresh) { table.tBodies[0].innerHTML = fresh.tBodies[0].innerHTML; }
      }).catch(function () {});
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

  var socket = KJLive.connect({}, {badge: conn, onConnect: function () {
    reload();
    reloadTeamMatches();
  }});
  socket.on("snapshot", function (snap) { (snap.runs || []).forEach(onRun); });
  socket.on("run", onRun);
  socket.on("ranking", function (data) {
    if (data.category === category) { turn += 1; }
    renderRanking(data);
  });
  socket.on("match", function (data) { if (data && data.category === category) { reloadTeamMatches(); } });
})();
