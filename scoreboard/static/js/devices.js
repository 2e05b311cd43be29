// /admin/perangkat: re-draw the agents from /api/v1/agents every second.
(function () {
  "use strict";
  const root = document.getElementById("devices");
  const box = document.getElementById("agents");
  if (!root || !box) return;
  const L = JSON.parse(root.dataset.labels);

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function val(v) { return v === undefined || v === null ? "—" : v; }
  function clock(c) {
    if (!c || c.offset_us === null || c.offset_us === undefined) return "—";
    const off = c.offset_us / 1000;
    return (off >= 0 ? "+" : "") + off.toFixed(1) + " ms ±" + (c.err_us / 1000).toFixed(1) + " ms";
  }
  function sourceRow(src) {
    const tr = el("tr");
    tr.append(el("td", "", src.name), el("td", "", val(src.kind)),
      el("td", "", src.connected === false ? L.disconnected : L.connected),
      el("td", "", val(src.edges !== undefined ? src.edges : (src.counts || {}).forwarded)));
    const gates = el("td");
    for (const g of src.gates || []) {
      gates.append(el("span", "gate" + (g.stuck ? " stuck" : ""),
        g.gate + ":" + g.state + (g.stuck ? " " + L.stuck : "")), " ");
    }
    tr.append(gates);
    return tr;
  }
  function agentCard(a) {
    const s = a.status || {};
    const card = el("article", "agent" + (a.warnings.length ? " warn" : ""));
    const h = el("h2", "", (s.agent || a.token) + " ");
    h.append(el("small", "", a.token + (s.version ? " · " + s.version : "")));
    const bound = a.sources && a.sources.length;
    card.append(h, el("p", "binding" + (bound ? "" : " unbound-agent"),
      bound ? L.bound + ": " + a.sources.join(", ") : L.unbound));
    card.append(el("p", "meta", [L.silent.replace("{s}", a.silent_s),
      L.outbox + " " + val(s.outbox_depth), L.delivered + " " + val(s.delivered),
      L.rejected + " " + val(s.rejected), L.clock + " " + clock(s.clock)].join(" · ")));
    if (a.warnings.length) {
      const ul = el("ul", "warnings");
      for (const w of a.warnings) {
        const li = el("li", "", w.message);
        li.dataset.code = w.code;
        ul.append(li);
      }
      card.append(ul);
    } else {
      card.append(el("p", "ok", L.ok));
    }
    const table = el("table", "sources");
    const head = el("tr");
    for (const k of ["source", "kind", "state", "edges", "gates"]) head.append(el("th", "", L[k]));
    const thead = el("thead");
    thead.append(head);
    const body = el("tbody");
    for (const src of s.sources || []) body.append(sourceRow(src));
    table.append(thead, body);
    card.append(table);
    return card;
  }
  async function refresh() {
    try {
      const list = await KJApi.request("GET", "/api/v1/agents");
      box.replaceChildren(...(list.length ? list.map(agentCard) : [el("p", "empty", L.none)]));
    } catch (e) {
      // the server is unreachable for a moment: keep the last picture, try again
    }
  }
  setInterval(refresh, 1000);
})();
