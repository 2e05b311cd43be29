/* The projector. With no playlist: the live run with a smoothly running clock, then its
   final time, and the ranking of its category. With a playlist (set per screen by an admin,
   followed live): its scenes in turn; a running run takes the screen while the playlist has
   a "live" scene. Everything comes from /live and the public API; after a lost connection
   socket.io reconnects by itself and the snapshot it sends resynchronises the page. */
(function () {
  "use strict";
  var root = document.getElementById("display");
  var screen = root.dataset.screen;
  var categories = JSON.parse(root.dataset.categories || "[]");
  var T = JSON.parse(root.dataset.texts || "{}");
  var el = {
    team: document.getElementById("live-team"),
    clock: document.getElementById("live-clock"),
    status: document.getElementById("live-status"),
    label: document.getElementById("live-label"),
    conn: document.getElementById("conn"),
    rankTitle: document.getElementById("ranking-title"),
    rankBody: document.getElementById("ranking-body"),
    sceneRankTitle: document.getElementById("scene-ranking-title"),
    sceneRankBody: document.getElementById("scene-ranking-body"),
    dataTitle: document.getElementById("scene-data-title"),
    dataBody: document.getElementById("scene-data-body"),
    announcement: document.getElementById("announcement-text"),
    progress: document.getElementById("scene-progress")
  };
  var HOLD_MS = 5000;        // a final time stays on screen this long before the playlist moves on
  var current = null;        // the run on screen
  var shownAt = 0;           // when it reached a final state (ms, browser clock)
  var rankingCategory = null;
  var highlight = null;      // team code of the newest result
  var playlist = [];
  var sceneIndex = -1;
  var scene = null;          // the playlist item on screen
  var sceneTimer = null;
  var dataTimer = null;      // re-reads a scene that has no /live event (the call-up queue)
  var sceneRows = {};        // team -> row text of the ranking scene, to highlight what changed
  /* An answer to a question asked before a push (or before a later question) must not
     undo what that push showed: runs carry a version; rankings and scene data have none,
     so each asking or push takes a turn and only an answer still holding its turn is used. */
  var isStale = KJRuns.versionMemory();  // run -> is it older than a copy already seen
  var rankingTurn = {};      // category -> turn of its newest ranking push or question
  var dataTurn = 0;          // turn of the newest question of a data scene
  var asking = null;         // the run whose end is being asked after a reconnect

  function isFinal(run) { return ["finished", "timeout", "dnf", "dsq", "review"].indexOf(run.status) >= 0; }
  function catName(slug) {
    var cat = categories.filter(function (c) { return c.slug === slug; })[0];
    return cat ? cat.name : slug;
  }
  function td(tr, text) { var c = document.createElement("td"); c.textContent = text; tr.appendChild(c); }
  function getJson(url) {
    return KJApi.send("GET", url).then(function (r) { return r.ok ? r.body : null; });
  }

  // ------------------------------------------------------------ the live run
  function render() {
    if (!current) { return; }
    el.team.textContent = current.team_name + " (" + current.team + ")";
    el.label.textContent = current.track + " · " + catName(current.category) + " · #" + current.attempt;
    el.status.textContent = T[current.status] || current.status;
    el.clock.dataset.status = current.status;
    el.clock.dataset.runId = current.id;
    if (current.status === "armed") {
      el.clock.textContent = "0.000";
    } else if (current.status !== "running") {
      // the final time exactly as the server measured it (truncated, never rounded up)
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
    if (!current || run.id === current.id || current === asking) { return true; }
    if (run.status === "running") { return current.status !== "running"; }
    var idle = isFinal(current) && Date.now() - shownAt > 4000;
    if (run.status === "armed") { return current.status === "armed" || idle; }
    return false;
  }

  function onRun(run) {
    if (isStale(run) || !shouldShow(run)) { return; }
    var changedCategory = !current || current.category !== run.category;
    current = run;
    asking = null;
    if (isFinal(run)) { shownAt = Date.now(); highlight = run.team; }
    render();
    if (changedCategory) { loadRanking(run.category); }
    if (run.status === "running" && hasLive() && (!scene || scene.scene !== "live")) { play(liveIndex()); }
  }

  function renderRanking(data) {
    if (data.category !== rankingCategory) { return; }
    el.rankTitle.textContent = T.ranking + " · " + catName(data.category);
    el.rankBody.innerHTML = "";
    data.entries.slice(0, 12).forEach(function (e) {
      var tr = document.createElement("tr");
      if (e.team === highlight) { tr.className = "new-result"; }
      [e.rank === null ? "–" : String(e.rank), e.team_name, KJClock.format(e.best_us)].forEach(function (t) { td(tr, t); });
      tr.dataset.team = e.team;
      el.rankBody.appendChild(tr);
    });
  }

  function showRanking(data) {
    if (data.category === rankingCategory) { renderRanking(data); }
    renderSceneRanking(data);
  }

  function askRanking(slug) {
    var turn = rankingTurn[slug] = (rankingTurn[slug] || 0) + 1;
    getJson("/api/v1/categories/" + encodeURIComponent(slug) + "/ranking").then(function (data) {
      if (data && data.category === slug && rankingTurn[slug] === turn) { showRanking(data); }
    }).catch(function () {});
  }

  function loadRanking(slug) {
    rankingCategory = slug;
    askRanking(slug);
  }

  // ------------------------------------------------------------ playlist scenes
  function hasLive() { return playlist.length === 0 || liveIndex() >= 0; }
  function liveIndex() {
    for (var i = 0; i < playlist.length; i++) { if (playlist[i].scene === "live") { return i; } }
    return -1;
  }
  function holdLive() {
    return current && scene && scene.scene === "live" &&
      (current.status === "running" || (isFinal(current) && Date.now() - shownAt < HOLD_MS));
  }

  function show(id) {
    Array.prototype.forEach.call(root.querySelectorAll(".scene"), function (s) { s.hidden = s.id !== id; });
    root.dataset.scene = id.replace("scene-", "");
  }

  function renderSceneRanking(data) {
    if (!scene || scene.scene !== "ranking" || data.category !== scene.category) { return; }
    el.sceneRankTitle.textContent = T.ranking + " · " + catName(data.category);
    el.sceneRankBody.innerHTML = "";
    var before = sceneRows;
    sceneRows = {};
    data.entries.slice(0, 15).forEach(function (e) {
      var tr = document.createElement("tr");
      tr.dataset.team = e.team;
      [e.rank === null ? "–" : String(e.rank), e.team_name, KJClock.format(e.best_us)]
        .forEach(function (t) { td(tr, t); });
      sceneRows[e.team] = tr.textContent;
      if ((before[e.team] !== undefined && before[e.team] !== tr.textContent) || e.team === highlight) {
        tr.className = "new-result";
      }
      el.sceneRankBody.appendChild(tr);
    });
  }

  /* Scenes fed by other parts of the system (brackets, matches, the call-up queue): shown
     from their API when it answers, otherwise an honest "not available yet". */
  var SOURCES = {
    bracket: function (s) { return "/api/v1/categories/" + encodeURIComponent(s.category) + "/bracket"; },
    match: function (s) { return "/api/v1/matches" + (s.category ? "?category=" + encodeURIComponent(s.category) : ""); },
    callup: function (s) { return "/api/v1/display/callup" + (s.arena ? "?arena=" + encodeURIComponent(s.arena) : ""); },
    next: function () { return "/api/v1/schedule/next"; }
  };

  function listOf(data) {
    if (Array.isArray(data)) { return data; }
    if (!data || typeof data !== "object") { return null; }
    var keys = ["entries", "queue", "matches", "items"];
    for (var i = 0; i < keys.length; i++) { if (Array.isArray(data[keys[i]])) { return data[keys[i]]; } }
    if (Array.isArray(data.rounds)) {
      return data.rounds.reduce(function (all, r) { return all.concat(Array.isArray(r.matches) ? r.matches : [r]); }, []);
    }
    return null;
  }

  /* One row per match ("A – B", its state and winner) or per waiting team; anything else
     as its plain fields. */
  function cellsOf(row) {
    if ("home_name" in row || "away_name" in row) {
      return [(row.stage || "") + " " + (row.round || ""), (row.home_name || row.home || "?") + " – " +
        (row.away_name || row.away || "?"), row.status || "", row.winner ? "★ " + row.winner : ""];
    }
    if ("queue" in row && Array.isArray(row.queue)) {
      return [row.name, row.queue.map(function (q) {
        return q.position + ". " + q.team_name + (q.eta ? " (±" + q.eta + ")" : "");
      }).join("   ")];
    }
    if ("next" in row && Array.isArray(row.next)) {  // "Berikutnya": a place's next slots
      return [row.name].concat(row.next.map(function (n) {
        return "±" + n.eta.slice(11, 16) + " " + n.teams.map(function (t) { return t.name; }).join(" – ");
      }));
    }
    return Object.keys(row).filter(function (k) {
      return (typeof row[k] === "string" || typeof row[k] === "number") && !/(^id$|_id$|_us$)/.test(k);
    }).slice(0, 6).map(function (k) { return String(row[k]); });
  }

  function renderData(item, data) {
    el.dataBody.innerHTML = "";
    var rows = listOf(data);
    var note = document.createElement("p");
    note.className = "scene-note";
    if (rows === null) { note.textContent = T.unavailable; el.dataBody.appendChild(note); return; }
    if (rows.length === 0) { note.textContent = T.empty; el.dataBody.appendChild(note); return; }
    var table = document.createElement("table");
    table.className = "scene-table";
    rows.slice(0, 15).forEach(function (row) {
      var tr = document.createElement("tr");
      if (row.team) { tr.dataset.team = row.team; }
      if (row.arena) { tr.dataset.arena = row.arena; }
      cellsOf(row).forEach(function (text) { td(tr, text); });
      table.appendChild(tr);
    });
    el.dataBody.appendChild(table);
  }

  function loadData(item) {
    el.dataTitle.textContent = T[item.scene] + (item.category ? " · " + catName(item.category) : "");
    var turn = ++dataTurn;
    function stillAsked() { return scene === item && dataTurn === turn; }
    getJson(SOURCES[item.scene](item)).then(function (data) {
      if (stillAsked()) { renderData(item, data); }
    }).catch(function () { if (stillAsked()) { renderData(item, null); } });
    if (item.scene === "callup" || item.scene === "next") {  // no /live event: look again while shown
      clearTimeout(dataTimer);
      dataTimer = window.setTimeout(function () { if (scene === item) { loadData(item); } }, 10000);
    }
  }

  function play(i) {
    clearTimeout(sceneTimer);
    clearTimeout(dataTimer);
    if (playlist.length === 0) { scene = null; show("scene-live"); el.progress.style.width = "0"; return; }
    sceneIndex = i % playlist.length;
    var item = playlist[sceneIndex];
    scene = item;
    if (item.scene === "live") {
      show("scene-live");
    } else if (item.scene === "ranking") {
      show("scene-ranking");
      sceneRows = {};
      askRanking(item.category);
    } else if (item.scene === "announcement") {
      show("scene-announcement");
      el.announcement.textContent = item.text;
    } else {
      show("scene-data");
      el.dataBody.innerHTML = "";
      loadData(item);
    }
    el.progress.style.transition = "none";
    el.progress.style.width = "0";
    window.setTimeout(function () {
      el.progress.style.transition = "width " + item.seconds + "s linear";
      el.progress.style.width = "100%";
    }, 30);
    sceneTimer = window.setTimeout(next, item.seconds * 1000);
  }

  function next() {
    if (holdLive()) { sceneTimer = window.setTimeout(next, 1000); return; }
    play(sceneIndex + 1);
  }

  var playlistStamp = "";    // updated_at of the playlist shown: an older answer never undoes a newer push
  function setPlaylist(data) {
    if (!data || data.screen !== screen) { return; }
    var stamp = data.updated_at || "";
    if (stamp < playlistStamp) { return; }
    playlistStamp = stamp;
    var same = JSON.stringify(data.playlist) === JSON.stringify(playlist);
    playlist = data.playlist || [];
    root.dataset.playlist = String(playlist.length);
    if (!same || !scene) { play(0); }
  }

  function loadPlaylist() {
    getJson("/api/v1/display/screens/" + encodeURIComponent(screen)).then(setPlaylist).catch(function () {});
  }

  // ------------------------------------------------------------ connection
  var socket = KJLive.connect({}, {badge: el.conn, onConnect: function () { KJClock.sync(); loadPlaylist(); }});
  socket.on("snapshot", function (snap) {
    var runs = snap.runs || [];
    var pick = runs.filter(function (r) { return r.status === "running"; })[0] || runs[0];
    if (pick) { current = null; onRun(pick); }
    if (current && current.id && !pick) {  // it ended while we were away: fetch how
      var asked = current;
      if (!isFinal(current)) { asking = current; }  // meanwhile any pushed run may take the screen
      getJson("/api/v1/runs/" + current.id).then(function (run) {
        if (run && current === asked && !isStale(run)) { current = null; onRun(run); }
      }).catch(function () {});
    }
    if (rankingCategory) { loadRanking(rankingCategory); }
  });
  socket.on("run", onRun);
  socket.on("ranking", function (data) {
    rankingTurn[data.category] = (rankingTurn[data.category] || 0) + 1;
    showRanking(data);
  });
  socket.on("display", setPlaylist);
  ["bracket", "match", "callup"].forEach(function (kind) {
    socket.on(kind, function () { if (scene && scene.scene === kind) { loadData(scene); } });
  });

  var firstTimed = categories.filter(function (c) { return c.format === "timed"; })[0];
  if (firstTimed) { loadRanking(firstTimed.slug); }
  window.requestAnimationFrame(tick);
})();
