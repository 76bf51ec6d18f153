/* Filters the roadmap board by theme and status (and customer, on the internal site), in the
 * browser, with no server. Without JavaScript the filter bar stays hidden and every card shows.
 * Lists with a filter box and links with a copy button get them working here too. */
(function () {
  "use strict";
  function setUp() {
    var bar = document.querySelector("[data-rm-filters]");
    var board = document.querySelector(".rm-board");
    if (!bar || !board || bar.dataset.rmReady) return;
    bar.dataset.rmReady = "1";
    bar.hidden = false;
    var chosen = { theme: "", status: "", customer: "" };

    function apply() {
      board.querySelectorAll(".rm-column").forEach(function (column) {
        var shown = 0, cards = column.querySelectorAll(".rm-card");
        cards.forEach(function (card) {
          var ok = (!chosen.theme || card.dataset.theme === chosen.theme) &&
                   (!chosen.status || card.dataset.status === chosen.status) &&
                   (!chosen.customer ||
                    (" " + (card.dataset.customers || "") + " ").indexOf(" " + chosen.customer + " ") >= 0);
          card.hidden = !ok;
          if (ok) shown++;
        });
        var count = column.querySelector("[data-rm-count]");
        if (count) count.textContent = shown;
        var none = column.querySelector(".rm-empty--filtered");
        if (none) none.hidden = !(cards.length && !shown);
      });
      bar.querySelectorAll("button[data-rm-filter]").forEach(function (button) {
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
    bar.addEventListener("change", function (event) {
      var select = event.target.closest("select[data-rm-filter]");
      if (!select) return;
      chosen[select.dataset.rmFilter] = select.value;
      apply();
    });
    apply();
  }

  // A box that hides the entries of a list whose text does not contain what is typed.
  function setUpListFilters() {
    document.querySelectorAll("[data-rm-list-filter]").forEach(function (box) {
      if (box.dataset.rmReady) return;
      box.dataset.rmReady = "1";
      var list = document.getElementById(box.getAttribute("aria-controls"));
      if (!list) return;
      var none = list.parentNode.querySelector("[data-rm-list-none]");
      var wrap = box.closest("[data-rm-list-filter-wrap]");
      if (wrap) wrap.hidden = false;
      box.addEventListener("input", function () {
        var query = box.value.trim().toLowerCase(), shown = 0;
        list.querySelectorAll("[data-rm-entry]").forEach(function (entry) {
          var ok = !query || entry.textContent.toLowerCase().indexOf(query) >= 0;
          entry.hidden = !ok;
          if (ok) shown++;
        });
        if (none) none.hidden = shown > 0;
      });
    });
  }

  function setUpCopyButtons() {
    document.querySelectorAll("[data-rm-copy]").forEach(function (button) {
      if (button.dataset.rmReady || !navigator.clipboard) return;
      button.dataset.rmReady = "1";
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(button.dataset.rmCopy).then(function () {
          var label = button.textContent;
          button.textContent = "Copied";
          setTimeout(function () { button.textContent = label; }, 1500);
        });
      });
    });
  }

  function setUpAll() {
    setUp();
    setUpListFilters();
    setUpCopyButtons();
  }
  if (window.document$ && window.document$.subscribe) window.document$.subscribe(setUpAll);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUpAll);
  else setUpAll();
})();
