/* The board's filters, kept in the address (?theme=&status=&tag=&text=, and &customer= on the
 * internal site) so a filtered view can be sent to a colleague and Back restores the previous
 * one; the phone's "More" on the intro; the page address on paper; list filter boxes and
 * copy buttons; long lists cut to their first cards (below). No server: everything happens in
 * the page. Without JavaScript the filter bar stays hidden and every card the page holds shows;
 * a cut list ends with a link to the page that lists it all. */
(function () {
  "use strict";
  // Not `q`: Material's search opens its dialog for an address with ?q=.
  var KEYS = ["theme", "status", "tag", "text", "customer"];

  function fromAddress() {
    var params = new URLSearchParams(window.location.search), state = {};
    KEYS.forEach(function (key) { state[key] = (params.get(key) || "").trim(); });
    return state;
  }

  function toAddress(state) {
    var params = new URLSearchParams(window.location.search);
    KEYS.forEach(function (key) {
      if (state[key]) params.set(key, state[key]); else params.delete(key);
    });
    var query = params.toString();
    return window.location.pathname + (query ? "?" + query : "") + window.location.hash;
  }

  function words(text) {
    return text.toLocaleLowerCase().split(/\s+/).filter(Boolean);
  }

  function cardTags(card) {
    try { return JSON.parse(card.dataset.tags || "[]"); } catch (e) { return []; }
  }

  function matches(card, state) {
    if (state.theme && card.dataset.theme !== state.theme) return false;
    if (state.status && card.dataset.status !== state.status) return false;
    if (state.customer &&
        (" " + (card.dataset.customers || "") + " ").indexOf(" " + state.customer + " ") < 0) {
      return false;
    }
    if (state.tag) {
      var wanted = state.tag.toLocaleLowerCase();
      if (!cardTags(card).some(function (t) { return t.toLocaleLowerCase() === wanted; })) {
        return false;
      }
    }
    if (state.text) {
      var text = card.textContent.toLocaleLowerCase();
      return words(state.text).every(function (w) { return text.indexOf(w) !== -1; });
    }
    return true;
  }


  /* Long lists (a board column, the internal "Paused and cancelled") hold their first cards and
   * link to the page that lists them all (horizons/<h>/, with ?theme= on a theme page). "Show
   * all", and any filter on the board, fetch that page and add the rest of its cards in place,
   * so filters and counts cover every item. The internal site's pages are sealed: unlock.js
   * opens them (window.roadmapPage, on unlocked pages only). */
  var fetched = {};  // page address -> promise of its cards

  function pageCards(address) {
    if (!fetched[address]) {
      var text = window.roadmapPage ? window.roadmapPage(address)
        : fetch(address).then(function (r) {
          if (!r.ok) throw new Error("HTTP " + r.status);
          return r.text();
        });
      fetched[address] = text.then(function (html) {
        var list = new DOMParser().parseFromString(html, "text/html")
          .querySelector("[data-rm-list]");
        if (!list) throw new Error("not a list of cards");
        return Array.prototype.map.call(list.querySelectorAll(".rm-card"), function (card) {
          // Its links were written for that page's address, not this one.
          card.querySelectorAll("a[href]").forEach(function (a) {
            a.setAttribute("href", new URL(a.getAttribute("href"), address).href);
          });
          return card;
        });
      });
      fetched[address].catch(function () { delete fetched[address]; });  // the next try fetches
    }
    return fetched[address];
  }

  function cardKey(card) {
    var a = card.querySelector(".rm-card__title a");
    return a ? a.href : "";
  }

  function Capped(cap) {
    this.cap = cap;
    this.list = cap.parentNode;
    this.link = cap.querySelector("[data-rm-cap-link]");
    this.label = this.link.textContent;
    this.error = cap.querySelector("[data-rm-cap-error]");
    this.total = Number(cap.dataset.rmTotal) || 0;
    var url = new URL(this.link.href);
    this.theme = url.searchParams.get("theme") || "";
    url.search = "";
    url.hash = "";
    this.address = url.href;
    this.open = false;  // "Show all" pressed: every card shows
    this.done = false;  // every card is in the list
    this.failed = false;
    this.loading = null;
    var where = cap.querySelector("[data-rm-cap-where]");
    if (where) where.textContent = this.link.href;  // on paper: the whole address
  }

  Capped.prototype.load = function () {
    var self = this;
    if (self.done) return Promise.resolve();
    if (self.loading) return self.loading;
    self.failed = false;
    self.error.hidden = true;
    self.loading = pageCards(self.address).then(function (cards) {
      var have = {};
      self.cards().forEach(function (card) { have[cardKey(card)] = true; });
      cards.forEach(function (card) {
        if ((self.theme && card.dataset.theme !== self.theme) || have[cardKey(card)]) return;
        var node = document.importNode(card, true);
        node.setAttribute("data-rm-extra", "");
        node.hidden = !self.open;
        self.list.insertBefore(node, self.cap);
      });
      self.done = true;
      self.loading = null;
    }, function () {
      self.failed = true;
      self.loading = null;
      self.error.textContent = "Could not load the rest of this list. Check your connection " +
        "and press the button to try again, or open the full list.";
      self.error.hidden = false;
    });
    return self.loading;
  };

  Capped.prototype.cards = function () {
    return Array.prototype.filter.call(this.list.children, function (el) {
      return el.classList.contains("rm-card");
    });
  };

  // How the list shows: every card once opened or `filtering` (the filters decide then), the
  // first ones otherwise; the button while some are missing.
  Capped.prototype.render = function (filtering) {
    var self = this, busy = Boolean(self.loading);
    self.cards().forEach(function (card) {
      if (!filtering && card.hasAttribute("data-rm-extra")) card.hidden = !self.open;
    });
    self.cap.hidden = self.done && (self.open || filtering);
    self.link.textContent = busy ? "Loading all " + self.total + "…" : self.label;
    self.link.setAttribute("aria-busy", busy ? "true" : "false");
    self.list.setAttribute("aria-busy", busy ? "true" : "false");
  };

  function setUpCapped() {
    var board = { lists: [] };
    document.querySelectorAll("[data-rm-cap]").forEach(function (cap) {
      if (cap.dataset.rmReady) return;
      cap.dataset.rmReady = "1";
      board.lists.push(new Capped(cap));
    });
    // Without a filter bar (a theme page) the lists only open; setUpFilters takes this over.
    board.update = function () {
      board.lists.forEach(function (list) { list.render(false); });
    };
    board.lists.forEach(function (list) {
      list.link.addEventListener("click", function (event) {
        // A new tab or window gets the page itself.
        if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        list.open = true;
        list.list.dataset.rmOpen = "1";
        var done = list.load();
        board.update();
        done.then(function () { board.update(); });
      });
    });
    return board;
  }

  function setUpFilters(board) {
    var bar = document.querySelector("[data-rm-filters]");
    if (!bar || bar.dataset.rmReady) return;
    bar.dataset.rmReady = "1";
    bar.hidden = false;
    var content = bar.closest(".md-content") || document;
    var text = bar.querySelector("[data-rm-filter-text]");
    var customer = bar.querySelector("select[data-rm-filter]");
    var tagChip = bar.querySelector("[data-rm-tag-chip]");
    var shownText = bar.querySelector("[data-rm-shown]");
    var noMatch = content.querySelector("[data-rm-nomatch]");
    var error = bar.querySelector("[data-rm-filters-error]");
    var state = fromAddress();
    var typing = false;  // one history entry per search typed, not one per key

    function apply(fromHistory) {
      var shown = 0, active = KEYS.some(function (key) { return state[key]; });
      var lists = board.lists;
      var missing = active && lists.some(function (list) { return !list.done; });
      var failed = active && lists.some(function (list) { return list.failed; });
      // Read again each time: a cut list gains cards when the rest of it arrives.
      content.querySelectorAll(".rm-card").forEach(function (card) {
        var ok = matches(card, state);
        var extra = card.hasAttribute("data-rm-extra");
        card.hidden = !ok || (extra && !active && !card.parentNode.dataset.rmOpen);
        if (ok) shown++;
      });
      lists.forEach(function (list) { list.render(active); });
      content.querySelectorAll(".rm-board .rm-column").forEach(function (column) {
        var cap = column.querySelector("[data-rm-cap]");
        var all = cap ? Number(cap.dataset.rmTotal) : column.querySelectorAll(".rm-card").length;
        var here = active ? column.querySelectorAll(".rm-card:not([hidden])").length : all;
        var count = column.querySelector("[data-rm-count]");
        if (count) count.textContent = here;
        var none = column.querySelector(".rm-empty--filtered");
        // One message for the whole page when nothing matches; a quiet line per column otherwise.
        if (none) none.hidden = !(all && !here && shown) || missing;
      });
      content.querySelectorAll("[data-rm-section]").forEach(function (section) {
        section.hidden = active && !section.querySelector(".rm-card:not([hidden])");
      });
      if (noMatch) noMatch.hidden = shown > 0 || (missing && !failed);
      var total = Number(shownText.dataset.rmTotal) || content.querySelectorAll(".rm-card").length;
      shownText.textContent = !active
        ? total === 1 ? "1 item" : "All " + total + " items"
        : missing && !failed ? "Looking through all " + total + " items…"
          : "Showing " + shown + " of " + total;
      shownText.setAttribute("aria-busy", missing && !failed ? "true" : "false");
      if (error) {
        error.hidden = !failed;
        error.textContent = failed ? "Could not load every item, so these results may miss " +
          "some. Check your connection and change a filter to try again." : "";
      }
      bar.querySelectorAll("button[data-rm-filter]").forEach(function (button) {
        var on = state[button.dataset.rmFilter] === button.dataset.value;
        button.setAttribute("aria-pressed", on ? "true" : "false");
      });
      // While typing the field leads; from the address (load, Back, Clear) the address does.
      if (fromHistory || document.activeElement !== text) text.value = state.text;
      if (customer) customer.value = state.customer;
      tagChip.hidden = !state.tag;
      tagChip.textContent = "";
      if (state.tag) {
        var release = document.createElement("button");
        release.type = "button";
        release.className = "rm-chip";
        release.setAttribute("aria-pressed", "true");
        release.dataset.rmRelease = "tag";
        release.textContent = "Tag: " + state.tag;
        release.setAttribute("aria-label", "Tag " + state.tag + ", press to remove");
        tagChip.appendChild(release);
      }
      content.querySelectorAll("[data-rm-clear]").forEach(function (b) {
        if (!b.closest("[data-rm-nomatch]")) b.hidden = !active;
      });
    }

    function change(update, replace) {
      Object.keys(update).forEach(function (key) { state[key] = update[key]; });
      var address = toAddress(state);
      if (replace) window.history.replaceState({ rmFilters: true }, "", address);
      else window.history.pushState({ rmFilters: true }, "", address);
      show();
    }

    // Filters cover every item: a filter on a cut list fetches the rest of it first. Only a
    // change of the filters (not a list arriving) starts a fetch, so a failed one is not
    // retried in a loop.
    function show(fromHistory) {
      if (KEYS.some(function (key) { return state[key]; })) {
        board.lists.forEach(function (list) {
          if (!list.done && !list.loading) list.load().then(function () { apply(); });
        });
      }
      apply(fromHistory);
    }

    function clear() {
      typing = false;
      text.value = "";
      change({ theme: "", status: "", tag: "", text: "", customer: "" });
    }

    bar.addEventListener("submit", function (event) { event.preventDefault(); });
    bar.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-rm-filter]");
      var release = event.target.closest("[data-rm-release]");
      typing = false;
      if (button) {
        var key = button.dataset.rmFilter, value = button.dataset.value;
        // Pressing a pressed chip releases it.
        change({ [key]: state[key] === value ? "" : value });
      } else if (release) {
        change({ [release.dataset.rmRelease]: "" });
        text.focus();
      }
    });
    if (customer) {
      customer.addEventListener("change", function () {
        typing = false;
        change({ customer: customer.value });
      });
    }
    text.addEventListener("input", function () {
      change({ text: text.value.trim() }, typing);
      typing = true;
    });
    content.addEventListener("click", function (event) {
      if (event.target.closest("[data-rm-clear]")) {
        clear();
        text.focus();
        return;
      }
      // A tag on this page filters in place; elsewhere its link opens the filtered board.
      var tag = event.target.closest("a.rm-tag");
      if (!tag || event.ctrlKey || event.metaKey || event.shiftKey) return;
      var url = new URL(tag.href, window.location.href);
      if (url.pathname !== window.location.pathname) return;
      event.preventDefault();
      typing = false;
      change({ tag: url.searchParams.get("tag") || "" });
      bar.scrollIntoView({ block: "nearest" });
    });
    window.addEventListener("popstate", function () {
      typing = false;
      state = fromAddress();
      show(true);
    });
    board.update = function () { apply(); };
    show();
  }

  /* Phones: the intro's first paragraph, the rest behind "More", so the first card shows. */
  function setUpIntro() {
    var intro = document.querySelector("[data-rm-intro]");
    if (!intro || intro.dataset.rmReady) return;
    intro.dataset.rmReady = "1";
    var first = intro.querySelector(":scope > p");
    if (!first || !first.nextElementSibling) return;
    intro.id = intro.id || "rm-intro";
    var more = document.createElement("button");
    more.type = "button";
    more.className = "rm-intro__more";
    more.textContent = "More";
    more.setAttribute("aria-expanded", "false");
    more.setAttribute("aria-controls", intro.id);
    more.addEventListener("click", function () {
      var open = intro.classList.toggle("rm-intro--open");
      more.setAttribute("aria-expanded", open ? "true" : "false");
      more.textContent = open ? "Less" : "More";
    });
    intro.classList.add("rm-intro--collapsible");
    intro.insertAdjacentElement("afterend", more);
  }

  /* The address printed on paper: the site's own (site_url) or this page's, with its filters. */
  function setUpAddress() {
    document.querySelectorAll("[data-rm-address]").forEach(function (el) {
      var base = el.dataset.rmBase || el.textContent.trim();
      el.dataset.rmBase = base;
      el.textContent = base ? base + window.location.search : window.location.href;
    });
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

  function setUp() {
    setUpFilters(setUpCapped());
    setUpIntro();
    setUpAddress();
    setUpListFilters();
    setUpCopyButtons();
  }
  window.addEventListener("popstate", setUpAddress);
  if (window.document$ && window.document$.subscribe) window.document$.subscribe(setUp);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
