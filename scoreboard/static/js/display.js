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
  var R = T.results || {};   // how results.js writes each format's result
  var tracks = JSON.parse(root.dataset.tracks || "{}");  // slug -> name
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
    slide: document.getElementById("slide-image"),
    slideMissing: document.getElementById("slide-missing"),
    tracks: document.getElementById("live-tracks"),
    rankHead: document.getElementById("ranking-head"),
    sceneRankHead: document.getElementById("scene-ranking-head"),
    progress: document.getElementById("scene-progress")
  };
  var HOLD_MS = 5000;        // a final time stays on screen this long before the playlist moves on
  // a live run holds the screen at most this long (or its scene's time); KEJURDA_DISPLAY_LIVE_MAX_S
  var LIVE_MAX_MS = 1000 * Number(root.dataset.liveMaxS || 60);
  var PAGE_MS = 7000;        // a long ranking shows each page this long
  var liveSince = 0;         // when the live scene took the screen
  var leftLiveAt = 0;        // when the playlist last moved on from it
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
  function catOf(slug) { return categories.filter(function (c) { return c.slug === slug; })[0]; }
  function catName(slug) {
    var cat = catOf(slug);
    return cat ? cat.name : slug;
  }
  function formatOf(slug) { var cat = catOf(slug); return cat ? cat.format : "timed"; }
  function trackName(slug) { return tracks[slug] || slug; }
  function td(tr, text) { var c = document.createElement("td"); c.textContent = text; tr.appendChild(c); }
  function getJson(url) {
    return KJApi.send("GET", url).then(function (r) { return r.ok ? r.body : null; });
  }

  // ------------------------------------------------------------ the live run
  function render() {
    if (!current) { return; }
    el.team.textContent = current.team_name + " (" + current.team + ")";
    el.label.textContent = trackName(current.track) + " · " + catName(current.category) + " · #" + current.attempt;
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

  function runningText(run) {
    var start = KJClock.startUs(run);
    return start ? KJClock.format(Math.max(0, KJClock.serverNowUs() - start)) : "0.000";
  }

  function tick() {
    if (current && current.status === "running") { el.clock.textContent = runningText(current); }
    Array.prototype.forEach.call(el.tracks.querySelectorAll("[data-running='yes']"), function (li) {
      var run = byTrack[li.dataset.track];
      if (run && run.status === "running") { li.querySelector(".track-clock").textContent = runningText(run); }
    });
    window.requestAnimationFrame(tick);
  }

  /* Every track with a run on it, by its name: several tracks may run at once and the big
     clock follows only one of them. A finished run stays listed a little while. */
  var byTrack = {};          // track slug -> its newest run
  function noteTrack(run) {
    var seen = byTrack[run.track];
    if (!seen || seen.id <= run.id) { byTrack[run.track] = run; if (isFinal(run)) { run.endedAt = Date.now(); } }
    renderTracks();
  }
  function renderTracks() {
    var shown = Object.keys(byTrack).filter(function (slug) {
      var run = byTrack[slug];
      return !isFinal(run) || Date.now() - (run.endedAt || 0) < 30000;
    });
    el.tracks.hidden = shown.length < 2 && !(shown.length === 1 && current && byTrack[shown[0]].id !== current.id);
    el.tracks.innerHTML = "";
    shown.sort().forEach(function (slug) {
      var run = byTrack[slug];
      var li = document.createElement("li");
      li.dataset.track = slug;
      li.dataset.running = run.status === "running" ? "yes" : "no";
      [["track-name", trackName(slug)], ["track-team", run.team_name],
       ["track-clock", run.status === "running" ? runningText(run) :
         (isFinal(run) && run.elapsed_us !== null ? KJClock.format(run.elapsed_us) : (T[run.status] || run.status))]]
        .forEach(function (part) {
          var span = document.createElement("span");
          span.className = part[0];
          span.textContent = part[1];
          li.appendChild(span);
        });
      el.tracks.appendChild(li);
    });
  }

  function shouldShow(run) {
    if (!current || run.id === current.id || current === asking) { return true; }
    if (run.status === "running") { return current.status !== "running"; }
    var idle = isFinal(current) && Date.now() - shownAt > 4000;
    if (run.status === "armed") { return current.status === "armed" || idle; }
    return false;
  }

  function onRun(run) {
    if (isStale(run)) { return; }
    noteTrack(run);
    if (!shouldShow(run)) { return; }
    var changedCategory = !current || current.category !== run.category;
    current = run;
    asking = null;
    if (isFinal(run)) { shownAt = Date.now(); highlight = run.team; }
    render();
    if (changedCategory) { loadRanking(run.category); }
    if (run.status === "running" && hasLive() && (!scene || scene.scene !== "live") && mayTakeScreen()) {
      play(liveIndex());
    }
  }

  /* Runs that follow each other back to back would hold the screen forever: once the live
     scene has given the screen back, the next run takes it only after the other scenes
     had a full turn (at most two minutes). */
  function mayTakeScreen() {
    if (!leftLiveAt) { return true; }
    var others = playlist.reduce(function (sum, item) { return sum + (item.scene === "live" ? 0 : item.seconds * 1000); }, 0);
    return Date.now() - leftLiveAt >= Math.min(others, 120000);
  }

  /* The head of a ranking table for its category's format: rank, team, the result columns. */
  function renderHead(row, format) {
    row.innerHTML = "";
    [T.rank, T.team].concat((R.headers || {})[format] || []).forEach(function (text) {
      var th = document.createElement("th");
      th.textContent = text;
      row.appendChild(th);
    });
  }
  function rankingCells(e, format) {
    return [e.rank === null ? "–" : String(e.rank), e.team_name].concat(KJResults.cells(e, format, R));
  }

  /* A ranking longer than the screen pages through by itself ("Halaman 1/3"), so no team
     is ever hidden; a page holding a new result is the one shown first. */
  function pager(body, note) { return {body: body, note: note, page: 0, per: 0, pages: 1, seen: 1}; }
  var pagers = {live: pager(el.rankBody, document.getElementById("ranking-page")),
                scene: pager(el.sceneRankBody, document.getElementById("scene-ranking-page"))};
  function layoutPages(p, focus) {
    var rows = Array.prototype.slice.call(p.body.rows);
    rows.forEach(function (r) { r.hidden = false; });
    if (!rows.length || !p.body.offsetParent) { p.pages = 1; p.note.textContent = ""; return; }
    var top = rows[0].getBoundingClientRect().top;
    var height = rows[0].getBoundingClientRect().height || 1;
    var room = window.innerHeight - top - window.innerHeight * 0.04;
    p.per = Math.max(1, Math.floor(room / height));
    p.pages = Math.ceil(rows.length / p.per);
    var at = focus ? rows.indexOf(focus) : -1;
    if (at >= 0) { p.page = Math.floor(at / p.per); } else if (p.page >= p.pages) { p.page = 0; }
    showPage(p);
  }
  function showPage(p) {
    Array.prototype.forEach.call(p.body.rows, function (r, i) { r.hidden = Math.floor(i / p.per) !== p.page; });
    p.note.textContent = p.pages > 1 ? "· " + T.page.replace("{n}", p.page + 1).replace("{m}", p.pages) : "";
  }
  function turnPages() {
    [pagers.live, pagers.scene].forEach(function (p) {
      if (p.pages > 1 && p.body.offsetParent) { p.page = (p.page + 1) % p.pages; p.seen += 1; showPage(p); }
    });
  }
  window.setInterval(turnPages, PAGE_MS);

  function renderRanking(data) {
    if (data.category !== rankingCategory) { return; }
    var format = formatOf(data.category);
    el.rankTitle.textContent = T.ranking + " · " + catName(data.category);
    renderHead(el.rankHead, format);
    el.rankBody.innerHTML = "";
    var focus = null;
    data.entries.forEach(function (e) {
      var tr = document.createElement("tr");
      if (e.team === highlight) { tr.className = "new-result"; focus = tr; }
      rankingCells(e, format).forEach(function (t) { td(tr, t); });
      tr.dataset.team = e.team;
      el.rankBody.appendChild(tr);
    });
    layoutPages(pagers.live, focus);
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
    var bound = Math.max(LIVE_MAX_MS, scene ? scene.seconds * 1000 : 0);
    return current && scene && scene.scene === "live" && Date.now() - liveSince < bound &&
      (current.status === "running" || (isFinal(current) && Date.now() - shownAt < HOLD_MS));
  }
  /* A ranking scene stays until each of its pages has been on screen once. */
  function holdPages() {
    return scene && scene.scene === "ranking" && pagers.scene.pages > 1 && pagers.scene.seen < pagers.scene.pages;
  }

  function show(id) {
    Array.prototype.forEach.call(root.querySelectorAll(".scene"), function (s) { s.hidden = s.id !== id; });
    root.dataset.scene = id.replace("scene-", "");
    if (id === "scene-live") { layoutPages(pagers.live); }
  }

  function renderSceneRanking(data) {
    if (!scene || scene.scene !== "ranking" || data.category !== scene.category) { return; }
    var format = formatOf(data.category);
    el.sceneRankTitle.textContent = T.ranking + " · " + catName(data.category);
    renderHead(el.sceneRankHead, format);
    el.sceneRankBody.innerHTML = "";
    var before = sceneRows;
    var focus = null;
    sceneRows = {};
    data.entries.forEach(function (e) {
      var tr = document.createElement("tr");
      tr.dataset.team = e.team;
      rankingCells(e, format).forEach(function (t) { td(tr, t); });
      sceneRows[e.team] = tr.textContent;
      if ((before[e.team] !== undefined && before[e.team] !== tr.textContent) || e.team === highlight) {
        tr.className = "new-result";
        focus = focus || tr;
      }
      el.sceneRankBody.appendChild(tr);
    });
    layoutPages(pagers.scene, focus);
  }

  /* Scenes fed by other parts of the system (brackets, matches, the call-up queue): shown
     from their API when it answers, otherwise an honest "not available yet". */
  var SOURCES = {
    bracket: function (s) { return "/display/bagan/" + encodeURIComponent(s.category); },
    match: function (s) { return "/api/v1/matches" + (s.category ? "?category=" + encodeURIComponent(s.category) : ""); },
    callup: function (s) { return "/api/v1/display/callup" + (s.arena ? "?arena=" + encodeURIComponent(s.arena) : ""); },
    next: function () { return "/api/v1/schedule/next"; },
    medals: function () { return "/api/v1/medals"; },
    inspection: function (s) { return "/api/v1/inspections" + (s.category ? "?category=" + encodeURIComponent(s.category) : ""); }
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

  /* "Tim X (Sekolah)", and the schedule's estimate when the queue has one ("±10:40"). */
  function teamAt(q) {
    return q.team_name + (q.institution ? " (" + q.institution + ")" : "") + (q.eta ? " ±" + q.eta : "");
  }

  /* One row per match (its round by name, "A 2 – 0 B", its state, the winner by name) or
     per call-up queue (the track by name, who is ready, who comes next); anything else as
     its plain fields. */
  function cellsOf(row) {
    if ("home_name" in row || "away_name" in row) {
      var result = row.result || {};
      var score = row.result ? " " + result.home_score + " – " + result.away_score + " " : " – ";
      var winner = row.winner === row.home ? row.home_name : row.winner === row.away ? row.away_name : row.winner;
      return [KJResults.roundName(row.round_key, R), (row.home_name || "?") + score + (row.away_name || "?"),
        (T.matchStatus || {})[row.status] || row.status || "", winner ? "★ " + winner : ""];
    }
    if ("queue" in row && Array.isArray(row.queue)) {
      return [row.name, row.queue.length ? teamAt(row.queue[0]) : "–",
        row.queue.slice(1, 4).map(function (q) { return q.position + ". " + teamAt(q); }).join("\n")];
    }
    if ("gold" in row && "institution" in row) {  // the juara umum table
      return [String(row.rank), row.institution, row.points + " " + T.points,
        T.gold + " " + row.gold + " · " + T.silver + " " + row.silver + " · " + T.bronze + " " + row.bronze];
    }
    if ("failed" in row && "institution" in row) {  // still to pass inspection
      return [row.team_name + " (" + row.institution + ")", (T.inspect || {})[row.status] || row.status,
        (row.failed_names || row.failed).join(", ")];
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

  /* As many matches as fit at 1920×1080 and 1280×720: a few finished ones, then those
     still to play (all finished: the last ones). */
  var MATCH_ROWS = 12;
  function isOver(match) { return ["done", "bye", "skipped", "empty"].indexOf(match.status) >= 0; }
  function matchWindow(rows) {
    var open = rows.map(isOver).indexOf(false);
    var start = open < 0 ? Math.max(0, rows.length - MATCH_ROWS) : Math.max(0, open - 3);
    return rows.slice(start, start + MATCH_ROWS);
  }

  function renderData(item, data) {
    el.dataBody.innerHTML = "";
    var rows = listOf(data);
    if (rows && item.scene === "inspection") {  // the board shows who still has to pass
      rows = rows.filter(function (r) { return r.status !== "passed"; });
    }
    var note = document.createElement("p");
    note.className = "scene-note";
    if (rows === null) { note.textContent = T.unavailable; el.dataBody.appendChild(note); return; }
    if (rows.length === 0) { note.textContent = T.empty; el.dataBody.appendChild(note); return; }
    var table = document.createElement("table");
    table.className = "scene-table";
    if (item.scene === "callup") { table.appendChild(callupHead()); table.className += " callup-table"; }
    if (item.scene === "match") { rows = matchWindow(rows); table.className += " match-table"; }
    rows.slice(0, 15).forEach(function (row) {
      var tr = document.createElement("tr");
      if (row.team) { tr.dataset.team = row.team; }
      if (row.arena) { tr.dataset.arena = row.arena; }
      cellsOf(row).forEach(function (text) { td(tr, text); });
      table.appendChild(tr);
    });
    el.dataBody.appendChild(table);
  }

  /* The call-up table's head: "Lintasan | Bersiap | Berikutnya". */
  function callupHead() {
    var head = document.createElement("thead");
    var tr = document.createElement("tr");
    [T.track, T.ready, T.next].forEach(function (text) {
      var th = document.createElement("th");
      th.textContent = text;
      tr.appendChild(th);
    });
    head.appendChild(tr);
    return head;
  }

  /* The bracket scene: the server lays the bracket out; here only the lines are drawn, from
     each match to the one its winner goes to, once the browser has placed the boxes. */
  function drawLines(part) {
    var svgNs = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(svgNs, "svg");
    svg.setAttribute("class", "bx-lines");
    part.appendChild(svg);
    var origin = part.getBoundingClientRect();
    Array.prototype.forEach.call(part.querySelectorAll(".bx-match[data-from]"), function (box) {
      var to = box.getBoundingClientRect();
      box.dataset.from.split(" ").filter(Boolean).forEach(function (id) {
        var source = part.querySelector("#bx-" + CSS.escape(id));
        if (!source) { return; }
        var from = source.getBoundingClientRect();
        var x1 = from.right - origin.left, y1 = from.top + from.height / 2 - origin.top;
        var x2 = to.left - origin.left, y2 = to.top + to.height / 2 - origin.top;
        var mid = (x1 + x2) / 2;
        var path = document.createElementNS(svgNs, "path");
        path.setAttribute("d", "M" + x1 + " " + y1 + " H" + mid + " V" + y2 + " H" + x2);
        svg.appendChild(path);
      });
    });
  }

  /* The sizes the server chose, from data-* attributes: the policy refuses style attributes. */
  function sizeBracket(body) {
    Array.prototype.forEach.call(body.querySelectorAll(".bx[data-tallest]"), function (bx) {
      bx.style.setProperty("--bx-tallest", String(Number(bx.dataset.tallest) || 1));
    });
    Array.prototype.forEach.call(body.querySelectorAll(".bx-row[data-grow]"), function (row) {
      row.style.flexGrow = String(Number(row.dataset.grow) || 1);
    });
  }

  function loadBracket(item, stillAsked) {
    KJApi.getHtml(SOURCES.bracket(item))
      .then(function (html) {
        if (!stillAsked()) { return; }
        if (html === null) { renderData(item, null); return; }
        el.dataBody.innerHTML = html;
        sizeBracket(el.dataBody);
        Array.prototype.forEach.call(el.dataBody.querySelectorAll(".bx-part"), drawLines);
      }).catch(function () { if (stillAsked()) { renderData(item, null); } });
  }

  function loadData(item) {
    el.dataTitle.textContent = T[item.scene] + (item.category ? " · " + catName(item.category) : "");
    var turn = ++dataTurn;
    function stillAsked() { return scene === item && dataTurn === turn; }
    if (item.scene === "bracket") { loadBracket(item, stillAsked); return; }
    getJson(SOURCES[item.scene](item)).then(function (data) {
      if (stillAsked()) { renderData(item, data); }
    }).catch(function () { if (stillAsked()) { renderData(item, null); } });
    if (["callup", "next", "medals", "inspection"].indexOf(item.scene) >= 0) {  // no /live event: look again while shown
      clearTimeout(dataTimer);
      dataTimer = window.setTimeout(function () { if (scene === item) { loadData(item); } }, 10000);
    }
  }

  /* A sponsor or announcement image; one that cannot be loaded says so instead. */
  function showSlide(item) {
    el.slideMissing.hidden = true;
    el.slide.hidden = false;
    el.slide.onerror = function () {
      if (scene !== item) { return; }
      el.slide.hidden = true;
      el.slideMissing.hidden = false;
    };
    el.slide.src = "/display/slide/" + encodeURIComponent(item.slide);
  }

  function play(i) {
    clearTimeout(sceneTimer);
    clearTimeout(dataTimer);
    if (playlist.length === 0) { scene = null; show("scene-live"); el.progress.style.width = "0"; return; }
    sceneIndex = i % playlist.length;
    var item = playlist[sceneIndex];
    if (scene && scene.scene === "live" && item.scene !== "live") { leftLiveAt = Date.now(); }
    if (item.scene === "live" && (!scene || scene.scene !== "live")) { liveSince = Date.now(); }
    scene = item;
    if (item.scene === "live") {
      show("scene-live");
    } else if (item.scene === "ranking") {
      show("scene-ranking");
      sceneRows = {};
      pagers.scene.page = 0;
      pagers.scene.seen = 1;
      pagers.scene.pages = 1;
      askRanking(item.category);
    } else if (item.scene === "announcement") {
      show("scene-announcement");
      el.announcement.textContent = item.text;
    } else if (item.scene === "slide") {
      show("scene-slide");
      showSlide(item);
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
    if (holdLive() || holdPages()) { sceneTimer = window.setTimeout(next, 1000); return; }
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
    runs.forEach(function (run) { if (!isStale(run)) { noteTrack(run); } });
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
