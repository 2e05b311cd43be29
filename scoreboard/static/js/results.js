/* One way to write a ranking entry's result, whatever the format, for the projector and the
   phone pages (the server writes the same with services/results.py `result_cells`):
   timed: the best time; judged: the score, "sementara" while provisional; match: played,
   wins, and points (leagues) or the stage reached (knockouts), rounds named in the page's
   language. `texts` comes from the server: {statuses, rounds: {fixed, numbered}, provisional}. */
window.KJResults = (function () {
  "use strict";

  function roundName(key, texts) {
    if (!key) { return ""; }
    var labels = (texts && texts.rounds) || {fixed: {}, numbered: {}};
    if (labels.fixed[key]) { return labels.fixed[key]; }
    var cut = key.lastIndexOf("_");
    var pattern = labels.numbered[key.slice(0, cut)];
    return pattern ? pattern.replace("{n}", key.slice(cut + 1)) : key;
  }

  function score(value) { return value === null || value === undefined ? "" : Number(value).toFixed(2); }

  /* The texts of the format's own columns (after rank and team, before the status). */
  function cells(entry, format, texts, empty) {
    var none = empty === undefined ? "—" : empty;
    if (format === "judged") {
      var s = score(entry.score);
      if (s && entry.provisional) { return [s + " (" + texts.provisional + ")"]; }
      return [s || none];
    }
    if (format === "match") {
      var stage = entry.points !== null && entry.points !== undefined ? String(entry.points)
        : roundName(entry.stage, texts);
      return [String(entry.played || 0), String(entry.wins || 0), stage || none];
    }
    return [entry.best_us === null || entry.best_us === undefined ? none : KJClock.format(entry.best_us)];
  }

  function status(entry, texts) {
    var labels = (texts && texts.statuses) || {};
    return labels[entry.status] || entry.status;
  }

  return {cells: cells, status: status, roundName: roundName};
})();
