/* The referee's sheet: each form posts one result to the API with the page's CSRF token,
   an Idempotency-Key (a resend after a dropped connection stores nothing twice) and the
   version the referee saw (someone else's correction meanwhile is refused, not overwritten). */
(function () {
  "use strict";
  var root = document.getElementById("wasit");
  if (!root) { return; }
  var T = JSON.parse(root.dataset.texts || "{}");
  var base = "/api/v1/categories/" + encodeURIComponent(root.dataset.category) + "/matches/";

  function newKey() {
    return "wasit-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  function body(form) {
    var data = { expected_version: Number(form.dataset.version) };
    var voiding = form.elements["void"] && form.elements["void"].checked;
    if (voiding) { data["void"] = true; }
    Array.prototype.forEach.call(form.elements, function (input) {
      if (!input.name || input.type === "checkbox" || input.value === "") { return; }
      if (input.name === "reason") { data.reason = input.value; return; }
      if (voiding) { return; }
      if (input.name === "shootout_home" || input.name === "shootout_away") { return; }
      data[input.name] = Number(input.value);
    });
    var sh = form.elements.shootout_home, sa = form.elements.shootout_away;
    if (!voiding && sh && sa && sh.value !== "" && sa.value !== "") {
      data.shootout = [Number(sh.value), Number(sa.value)];
    }
    return data;
  }

  function send(form, key, note) {
    KJApi.send("POST", base + encodeURIComponent(form.dataset.match) + "/result", body(form),
               { headers: { "Idempotency-Key": key } }).then(function (answer) {
      var r = { status: answer.status, json: answer.body || {} };
      if (r.status === 200 || r.status === 201) {
        delete form.dataset.key;
        note.textContent = T.saved;
        window.setTimeout(function () { window.location.reload(); }, 600);
      } else {
        if (r.status !== 409 || !r.json.current) { delete form.dataset.key; }
        var said = KJApi.explain(r.json.error || "");
        var input = said.field && form.elements[said.field];
        if (input && input.id) { KJApi.markField(input, said.message); }
        note.textContent = (r.status === 409 && r.json.current ? T.stale + " " : "") + said.message;
      }
    }).catch(function () {
      note.textContent = T.failed;  // the key is kept: sending again cannot store it twice
    });
  }

  root.addEventListener("submit", function (event) {
    var form = event.target.closest("form.wasit-match");
    if (!form) { return; }
    event.preventDefault();
    if (!form.dataset.key) { form.dataset.key = newKey(); }
    send(form, form.dataset.key, form.querySelector(".wasit-note"));
  });
})();
