/* The judge's tablet: score teams on the rubric; every submission is kept in this
 * browser (localStorage) with an idempotency key BEFORE it is sent, re-sent until the
 * server confirms that very key, and shown "belum tersimpan" until then.
 *
 * A confirmation is only the server's JSON answer echoing the item's idempotency_key
 * with the stored version: a captive portal's HTTP 200, a login page after a redirect
 * or a proxy's error page are not, and the item stays pending. */
(function () {
  "use strict";
  var root = document.getElementById("juri");
  if (!root) { return; }
  var T = root.dataset;
  var categories = JSON.parse(T.categories || "[]");
  var prefix = "kejurda.juri." + T.user + ".";
  var $ = function (id) { return document.getElementById(id); };
  var RETRY_MS = 3000;
  var sending = false;
  var openTeam = null;
  var problems = {};   // "slug/team" -> {state: "conflict"|"refused", message, current}

  // ---------------------------------------------------------------- durable state

  function load(name, fallback) {
    try { return JSON.parse(localStorage.getItem(prefix + name)) || fallback; }
    catch (e) { return fallback; }
  }
  function store(name, value) { localStorage.setItem(prefix + name, JSON.stringify(value)); }
  var queue = load("queue", []);          // [{key, slug, team, scores, comment, base, after}]
  var saved = load("saved", {});          // "slug/team" -> sheet as the server confirmed it
  var confirmed = load("confirmed", {});  // idempotency key -> stored version
  var resend = window.KejurdaResend(prefix);  // confirmed ones, again for a new server

  function requeue(items) {
    // sent exactly as before (same key, same base version), ahead of what still waits
    if (!items.length) { return; }
    var keys = {};
    queue.forEach(function (q) { keys[q.key] = true; });
    queue = items.filter(function (i) { return !keys[i.key]; }).concat(queue);
    store("queue", queue);
  }
  resend.watch(function (items) { requeue(items); flush(); });

  function newKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);  // works on plain http, unlike randomUUID
    return "j-" + Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  // ---------------------------------------------------------------- rubric maths

  function category(slug) {
    for (var i = 0; i < categories.length; i++) { if (categories[i].category === slug) { return categories[i]; } }
    return null;
  }

  function weightedTotal(cat, scores) {
    var sumW = 0, sum = 0;
    for (var i = 0; i < cat.criteria.length; i++) {
      var c = cat.criteria[i], v = scores[c.key];
      if (typeof v !== "number") { return null; }
      sumW += c.weight; sum += c.weight * v / c.max;
    }
    return 100 * sum / sumW;
  }

  function pendingFor(slug, team) {
    var found = null;
    queue.forEach(function (item) { if (item.slug === slug && item.team === team) { found = item; } });
    return found;
  }

  // ---------------------------------------------------------------- rendering

  function setAlert(msg) { var a = $("juri-alert"); a.textContent = msg || ""; a.hidden = !msg; }

  function renderConn() {
    var online = navigator.onLine;
    $("conn").dataset.state = online ? "online" : "offline";
    $("conn").textContent = online ? T.tOnline : T.tOffline;
    $("queue-count").dataset.count = String(queue.length);
    $("queue-count").textContent = queue.length ? queue.length + " " + T.tPending : "";
  }

  function teamStatus(slug, team) {
    var id = slug + "/" + team;
    if (pendingFor(slug, team)) { return {state: "pending", text: T.tPending}; }
    if (problems[id]) { return {state: problems[id].state, text: problems[id].state === "conflict" ? T.tConflict : T.tRefused}; }
    var s = saved[id];
    if (s) {
      var total = s.total === null || s.total === undefined ? T.tPartial : s.total.toFixed(3);
      return {state: "saved", text: T.tSaved + " · " + T.tVersion + " " + s.version + " · " + total};
    }
    return {state: "none", text: T.tUnscored};
  }

  function renderTeams() {
    var slug = $("juri-category").value, cat = category(slug), list = $("team-list");
    list.innerHTML = "";
    $("category-state").textContent = cat.state === "open" ? "" : T.tLocked;
    cat.teams.forEach(function (t) {
      var li = document.createElement("li"), btn = document.createElement("button");
      var st = teamStatus(slug, t.code), badge = document.createElement("span");
      btn.type = "button"; btn.className = "team"; btn.dataset.team = t.code;
      btn.textContent = t.code + " · " + t.name;
      badge.className = "badge"; badge.dataset.state = st.state; badge.textContent = st.text;
      btn.appendChild(badge);
      btn.addEventListener("click", function () { openSheet(t); });
      li.appendChild(btn); list.appendChild(li);
    });
    renderConn();
  }

  /* Every value against its criterion before anything is sent: a whole number from 0 to
     the criterion's max, or empty (the sheet is then incomplete). The message is the one
     the server would give, in the page's language, at the field. */
  function checkForm(cat) {
    var ok = true;
    cat.criteria.forEach(function (c) {
      var input = $("crit-" + c.key), raw = input.value.trim(), message = "";
      if (input.validity && input.validity.badInput) { raw = "?"; }
      if (raw !== "" && !(/^\d+$/.test(raw) && Number(raw) <= c.max)) {
        message = KJApi.explain("scores." + c.key + ": a whole number from 0 to " + c.max +
                                " (got " + raw + ")").message;
        ok = false;
      }
      KJApi.markField(input, message);
    });
    return ok;
  }

  /* A refusal from the server, marked at its criterion when it names one. */
  function markRefusal(slug, team, error) {
    if ($("sheet-form").hidden || openTeam !== team || $("juri-category").value !== slug) { return; }
    var said = KJApi.explain(error), key = (said.field || "").replace(/^scores\./, "");
    if (said.field && said.field.indexOf("scores.") === 0 && $("crit-" + key)) {
      KJApi.markField($("crit-" + key), said.message);
    }
  }

  function describeScores(cat, scores) {
    return cat.criteria.filter(function (c) { return typeof scores[c.key] === "number"; })
      .map(function (c) { return c.name + ": " + scores[c.key]; }).join(", ");
  }

  function readForm(cat) {
    var scores = {};
    cat.criteria.forEach(function (c) {
      var raw = $("crit-" + c.key).value;
      if (raw !== "") { scores[c.key] = Number(raw); }
    });
    return scores;
  }

  function showTotal() {
    var cat = category($("juri-category").value), total = weightedTotal(cat, readForm(cat));
    $("sheet-total").textContent = total === null ? "—" : total.toFixed(3);
  }

  function criterionRow(c, value) {
    var row = document.createElement("div"), label = document.createElement("label");
    var minus = document.createElement("button"), plus = document.createElement("button");
    var input = document.createElement("input"), slider = document.createElement("input");
    row.className = "criterion";
    label.htmlFor = "crit-" + c.key;
    label.textContent = c.name + " (" + c.weight + "%, 0–" + c.max + ")";
    input.type = "number"; input.id = "crit-" + c.key; input.min = 0; input.max = c.max; input.step = 1;
    input.inputMode = "numeric"; input.value = value === undefined ? "" : value;
    slider.type = "range"; slider.min = 0; slider.max = c.max; slider.step = 1;
    slider.value = value === undefined ? 0 : value; slider.setAttribute("aria-label", c.name);
    minus.type = plus.type = "button"; minus.textContent = "−"; plus.textContent = "+";
    minus.className = plus.className = "step";
    function set(v) {
      v = Math.max(0, Math.min(c.max, Math.round(v)));
      input.value = v; slider.value = v; KJApi.markField(input, ""); showTotal();
    }
    minus.addEventListener("click", function () { set((Number(input.value) || 0) - 1); });
    plus.addEventListener("click", function () { set(input.value === "" ? 0 : Number(input.value) + 1); });
    slider.addEventListener("input", function () { set(Number(slider.value)); });
    input.addEventListener("input", function () {
      if (input.value !== "") { slider.value = input.value; }
      KJApi.markField(input, "");
      showTotal();
    });
    var stepper = document.createElement("div");
    stepper.className = "stepper"; stepper.dataset.fieldBox = "1";
    stepper.appendChild(minus); stepper.appendChild(input); stepper.appendChild(plus);
    row.appendChild(label); row.appendChild(stepper); row.appendChild(slider);
    return row;
  }

  function openSheet(team) {
    var slug = $("juri-category").value, cat = category(slug), id = slug + "/" + team.code;
    var source = pendingFor(slug, team.code) || saved[id] || {scores: {}, comment: ""};
    openTeam = team.code;
    $("sheet-team").textContent = team.code + " · " + team.name;
    var box = $("criteria"); box.innerHTML = "";
    cat.criteria.forEach(function (c) { box.appendChild(criterionRow(c, source.scores[c.key])); });
    $("sheet-comment").value = source.comment || "";
    var p = problems[id];
    $("sheet-message").textContent = p ? p.message : "";
    $("sheet-message").dataset.state = p ? p.state : "";
    $("sheet-submit").disabled = cat.state !== "open";
    $("sheet-form").hidden = false;
    showTotal();
    if ($("sheet-form").scrollIntoView) { $("sheet-form").scrollIntoView({block: "start"}); }
  }

  // ---------------------------------------------------------------- sending

  function enqueue(slug, team, scores, comment) {
    var id = slug + "/" + team, before = pendingFor(slug, team);
    var item = {key: newKey(), slug: slug, team: team, scores: scores, comment: comment,
                base: before ? null : (saved[id] ? saved[id].version : 0),
                after: before ? before.key : null};
    queue.push(item);
    store("queue", queue);  // durable before anything goes on the wire
    delete problems[id];
    renderTeams();
    flush();
  }

  function dropChain(item, problem) {
    // later edits built on a refused one cannot be stored either: show the problem
    var dead = {}; dead[item.key] = true;
    queue = queue.filter(function (q) {
      if (q.key === item.key || (q.after && dead[q.after])) { dead[q.key] = true; return false; }
      return true;
    });
    store("queue", queue);
    problems[item.slug + "/" + item.team] = problem;
  }

  function onAnswer(item, status, body) {
    var id = item.slug + "/" + item.team;
    if (body && body.idempotency_key === item.key && typeof body.version === "number" && body.sheet) {
      saved[id] = body.sheet; confirmed[item.key] = body.version;
      resend.confirmed({key: item.key, slug: item.slug, team: item.team, scores: item.scores,
                        comment: item.comment, base: item.sentBase});
      queue = queue.filter(function (q) { return q.key !== item.key; });
      store("saved", saved); store("confirmed", confirmed); store("queue", queue);
      return true;
    }
    var error = body && typeof body.error === "string" ? body.error : null;
    var cat = category(item.slug);
    var transient = status === 401 || (status === 403 && error && error.indexOf("CSRF") >= 0);
    if (error && !transient && [400, 403, 404, 409, 422].indexOf(status) >= 0) {
      var msg = KJApi.explain(error).message;
      markRefusal(item.slug, item.team, error);
      if (status === 409 && body.current) {
        saved[id] = body.current; store("saved", saved);
        msg = msg + " — " + T.tCurrent + ": " + T.tVersion + " " + body.current.version + " · " +
          describeScores(cat, body.current.scores || {});
      }
      dropChain(item, {state: status === 409 ? "conflict" : "refused", message: msg,
                       current: body.current || null});
      return true;
    }
    if (transient) { setAlert(T.tSignin); }
    return false;  // not confirmed: keep it, try again later
  }

  function flush() {
    if (sending || !queue.length) { renderConn(); return; }
    var item = queue[0], base = item.base;
    if (item.after) {
      if (!(item.after in confirmed)) { return; }
      base = confirmed[item.after];
    }
    sending = true;
    item.sentBase = base;
    var status = 0;
    KJApi.send("POST", "/api/v1/categories/" + encodeURIComponent(item.slug) + "/scores",
               {team: item.team, scores: item.scores, comment: item.comment,
                idempotency_key: item.key, base_version: base},
               {redirect: "manual"}).then(function (answer) {
      var body = answer.body;
      status = answer.status;
      requeue(resend.seen(answer));
      sending = false;
      var settled = onAnswer(item, status, body);
      if (settled) { setAlert(""); }
      renderTeams();
      if (openTeam === item.team) { refreshMessage(item); }
      if (settled) { flush(); }
    }, function () {
      sending = false;  // offline, refused connection, portal reset: keep it pending
      renderConn();
    });
  }

  function refreshMessage(item) {
    var p = problems[item.slug + "/" + item.team], st = teamStatus(item.slug, item.team);
    $("sheet-message").textContent = p ? p.message : st.text;
    $("sheet-message").dataset.state = p ? p.state : st.state;
  }

  function syncFromServer() {
    // the server's sheets replace what this tablet remembers (another tablet may have edited),
    // unless this tablet already holds a newer version: a read that set off before one of its
    // own saves was confirmed can answer after that confirmation
    categories.forEach(function (cat) {
      KJApi.send("GET", "/api/v1/categories/" + encodeURIComponent(cat.category) + "/scores")
        .then(function (answer) { return answer.ok ? answer.body : null; }).then(function (data) {
        if (!data || data.category !== cat.category || !Array.isArray(data.sheets)) { return; }
        cat.state = data.state;
        data.sheets.forEach(function (s) {
          var id = cat.category + "/" + s.team, mine = saved[id];
          if (!mine || !(s.version < mine.version)) { saved[id] = s; }
        });
        store("saved", saved);
        if ($("juri-category").value === cat.category) { renderTeams(); }
      }).catch(function () { /* offline: what the tablet remembers is shown */ });
    });
  }

  // ---------------------------------------------------------------- wiring

  if (!categories.length) { return; }
  $("juri-category").addEventListener("change", function () { $("sheet-form").hidden = true; renderTeams(); });
  $("sheet-cancel").addEventListener("click", function () { $("sheet-form").hidden = true; openTeam = null; });
  $("sheet-next").addEventListener("click", function () {
    // the next team of the list after the open one (the first again after the last)
    var teams = category($("juri-category").value).teams, at = -1;
    teams.forEach(function (t, i) { if (t.code === openTeam) { at = i; } });
    if (teams.length) { openSheet(teams[(at + 1) % teams.length]); }
  });
  $("sheet-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var slug = $("juri-category").value, cat = category(slug);
    if (!checkForm(cat)) {
      $("sheet-message").textContent = T.tCheck;
      $("sheet-message").dataset.state = "refused";
      return;
    }
    enqueue(slug, openTeam, readForm(cat), $("sheet-comment").value);
    $("sheet-message").textContent = T.tPending;
    $("sheet-message").dataset.state = "pending";
  });
  window.addEventListener("online", function () { renderConn(); flush(); syncFromServer(); });
  window.addEventListener("offline", renderConn);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { flush(); } });
  window.setInterval(flush, RETRY_MS);
  window.setInterval(syncFromServer, 5 * RETRY_MS);  // a lock by the head judge shows up
  renderTeams();
  syncFromServer();
  flush();
})();
