/* Filters the roadmap board by theme and status, in the browser, with no server.
 * Without JavaScript the filter bar stays hidden and every card shows. */
(function () {
  "use strict";
  function setUp() {
    var bar = document.querySelector("[data-rm-filters]");
    var board = document.querySelector(".rm-board");
    if (!bar || !board || bar.dataset.rmReady) return;
    bar.dataset.rmReady = "1";
    bar.hidden = false;
    var chosen = { theme: "", status: "" };

    function apply() {
      board.querySelectorAll(".rm-column").forEach(function (column) {
        var shown = 0, cards = column.querySelectorAll(".rm-card");
        cards.forEach(function (card) {
          var ok = (!chosen.theme || card.dataset.theme === chosen.theme) &&
                   (!chosen.status || card.dataset.status === chosen.status);
          card.hidden = !ok;
          if (ok) shown++;
        });
        var count = column.querySelector("[data-rm-count]");
        if (count) count.textContent = shown;
        var none = column.querySelector(".rm-empty--filtered");
        if (none) none.hidden = !(cards.length && !shown);
      });
      bar.querySelectorAll("[data-rm-filter]").forEach(function (button) {
        var on = chosen[button.dataset.rmFilter] === button.dataset.value;
        button.setAttribute("aria-pressed", on ? "true" : "false");
      });
    }
    bar.addEventListener("click", function (event) {
      var button = event.target.closest("[data-rm-filter]");
      if (!button) return;
      chosen[button.dataset.rmFilter] = button.dataset.value;
      apply();
    });
    apply();
  }
  if (window.document$ && window.document$.subscribe) window.document$.subscribe(setUp);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
