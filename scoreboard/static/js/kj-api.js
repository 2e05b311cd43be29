/* Shared by every page script that talks to the API: JSON requests carrying the page's
   CSRF token, and refusals shown in the page's language next to the field they name.

   The API's `error` stays machine-friendly ("scores.inovasi: a whole number from 0 to 100
   (got 150)"); the page translates it with the table the server put in #kj-texts (built
   from scoreboard/refusals.py, the same table the server uses for its own pages). */
(function () {
  "use strict";
  var source = document.getElementById("kj-texts");
  var T = source ? JSON.parse(source.textContent) : {};
  var refusals = (T.refusals || []).map(function (row) {
    return {re: row[0] ? new RegExp(row[0]) : null, text: row[1]};
  });
  var FIELD = /^([A-Za-z_][\w.[\]]*): /;

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : all;
    });
  }

  /* {field, message}: the refusal in the page's language and the field it names. */
  function explain(error) {
    var text = String(error || "");
    for (var i = 0; i < refusals.length; i++) {
      var m = refusals[i].re && refusals[i].re.exec(text);
      if (m) {
        var groups = m.groups || {};
        return {field: groups.field || null, message: fill(refusals[i].text, groups)};
      }
    }
    var prefix = FIELD.exec(text), fallback = refusals.length ? refusals[refusals.length - 1].text : "{detail}";
    return {field: prefix ? prefix[1] : null, message: fill(fallback, {detail: text})};
  }

  /* An Error for a refused or failed request: `status` (0: no answer), `body` (the JSON
     answer or null), `error` (the API's words), `field` and a translated `message`. */
  function failure(status, body) {
    var raw = body && typeof body.error === "string" ? body.error : "";
    var said = raw ? explain(raw) : {field: null, message: status === 0 ? T.offline
      : status === 401 ? T.signin : fill(T.http || "HTTP {status}", {status: status})};
    var err = new Error(said.message);
    err.status = status; err.body = body; err.error = raw; err.field = said.field;
    return err;
  }

  /* fetch with the CSRF token: resolves {status, body} for every answer (body null when it
     is not JSON), rejects only when no answer came. For pages that judge answers themselves. */
  function send(method, path, body, options) {
    options = options || {};
    var headers = {"X-CSRFToken": csrf(), "Accept": "application/json"};
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    Object.keys(options.headers || {}).forEach(function (k) { headers[k] = options.headers[k]; });
    return fetch(path, {
      method: method, credentials: "same-origin", cache: "no-store",
      redirect: options.redirect || "follow", headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (data) {
        // headers too: resend.js reads which server answered (X-Kejurda-Server)
        return {status: r.status, ok: r.ok, body: data, headers: r.headers};
      });
    });
  }

  /* The JSON answer, or a rejection with failure(...) (refused, or no answer at all). */
  function request(method, path, body, options) {
    return send(method, path, body, options).then(function (answer) {
      if (!answer.ok || answer.body === null) { throw failure(answer.status, answer.body); }
      return answer.body;
    }, function () { throw failure(0, null); });
  }

  /* A fragment of HTML the server renders for the page (null when refused); rejects only
     when no answer came. */
  function getHtml(path) {
    return fetch(path, {credentials: "same-origin", cache: "no-store",
                        headers: {"Accept": "text/html"}})
      .then(function (r) { return r.ok ? r.text() : null; });
  }

  /* Shows a message (or an Error's) in a page's alert box; nothing hides it. */
  function showError(box, message) {
    if (!box) { return; }
    var text = message && message.message !== undefined ? message.message : message;
    box.textContent = text || "";
    box.hidden = !text;
  }

  /* Marks an input as wrong with its message right below it (aria-describedby), or clears
     the mark when `message` is empty. */
  function markField(input, message) {
    if (!input) { return; }
    var id = input.id + "-error", note = document.getElementById(id);
    if (!message) {
      input.removeAttribute("aria-invalid");
      if (note) { note.remove(); }
      return;
    }
    if (!note) {
      note = document.createElement("p");
      note.id = id; note.className = "field-error"; note.setAttribute("role", "alert");
      // after the input's box when it has one (a stepper), so the layout holds
      (input.closest("[data-field-box]") || input).insertAdjacentElement("afterend", note);
    }
    note.textContent = message;
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", id);
  }

  /* A status key (armed, dnf, ...) in the page's language. */
  function statusLabel(status) {
    return (T.statuses || {})[status] || status;
  }

  window.KJApi = {csrf: csrf, send: send, request: request, getHtml: getHtml, explain: explain,
                  failure: failure, showError: showError, markField: markField,
                  statusLabel: statusLabel, texts: T};
})();
