/* Shared by the desk, the projector and the public pages: a run arrives both as a fetched
   answer and as a /live push, in either order. Runs carry their row version (raised by
   every stored change), so each page keeps the newest copy it has seen of each run. */
(function () {
  "use strict";
  /* A fresh memory of versions; the returned function says whether `run` is older than a
     copy already seen (and remembers it when it is not). */
  function versionMemory() {
    var newest = {};  // run id -> newest version seen
    return function isStale(run) {
      if (typeof run.version !== "number") { return false; }
      if (run.version < (newest[run.id] || 0)) { return true; }
      newest[run.id] = run.version;
      return false;
    };
  }
  window.KJRuns = {versionMemory: versionMemory};
})();
