// Registration form: show only the categories open for the chosen level, and the team size.
(function () {
  "use strict";
  var level = document.querySelector("[data-reg-level]");
  var category = document.querySelector("[data-reg-category]");
  var size = document.querySelector("[data-reg-size]");
  var aliases = { SD: ["SD", "MI"], SMP: ["SMP", "MTS"], SMA: ["SMA", "SMK", "MA"], UMUM: ["UMUM"] };
  var sizeText = document.documentElement.lang === "en"
    ? { exact: "members: exactly ", range: "members: ", atLeast: "members: at least " }
    : { exact: "anggota: tepat ", range: "anggota: ", atLeast: "anggota: paling sedikit " };

  function admits(option, chosen) {
    var levels = (option.dataset.levels || "").split(",").filter(Boolean);
    if (!levels.length) return true;
    var names = aliases[chosen] || [];
    return levels.some(function (l) { return names.indexOf(l.trim().toUpperCase()) >= 0; });
  }

  function showSize() {
    if (!size || !category) return;
    var option = category.selectedOptions[0];
    if (!option || !option.value) { size.textContent = ""; return; }
    var min = option.dataset.min, max = option.dataset.max;
    size.textContent = !max ? sizeText.atLeast + min
      : (min === max ? sizeText.exact + min : sizeText.range + min + "–" + max);
  }

  function filter() {
    if (!level || !category) return;
    Array.prototype.forEach.call(category.options, function (option) {
      if (!option.value) return;
      var ok = admits(option, level.value);
      option.hidden = !ok;
      option.disabled = !ok;
    });
    var chosen = category.selectedOptions[0];
    if (chosen && chosen.disabled) category.value = "";
    showSize();
  }

  if (level) level.addEventListener("change", filter);
  if (category) category.addEventListener("change", showSize);
  filter();
})();
