/* A wide table on a phone scrolls sideways inside its box; while part of it is hidden the box
   says so ("Geser tabel ke samping →"), and the hint goes once the reader reaches the end. */
(function () {
  "use strict";
  function check(box) {
    var hidden = box.scrollWidth - box.clientWidth - box.scrollLeft > 2;
    box.dataset.overflowing = hidden ? "yes" : "no";
  }
  function all() { Array.prototype.forEach.call(document.querySelectorAll(".table-scroll"), check); }
  document.addEventListener("scroll", function (ev) {
    if (ev.target && ev.target.classList && ev.target.classList.contains("table-scroll")) { check(ev.target); }
  }, true);
  window.addEventListener("resize", all);
  // rows arrive live: look again whenever a table's content changes
  if (window.MutationObserver) {
    new MutationObserver(all).observe(document.body, {childList: true, subtree: true});
  }
  all();
})();
