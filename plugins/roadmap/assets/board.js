/* The board's filters, kept in the address (?theme=&status=&tag=&text=, and &customer= on the
 * internal site) so a filtered view can be sent to a colleague and Back restores the previous
 * one; the phone's "More" on the intro; the page address on paper; list filter boxes and
 * copy buttons. No server: everything happens in the page.
 * Without JavaScript the filter bar stays hidden and every card shows. */
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

  function setUpFilters() {
    var bar = document.querySelector("[data-rm-filters]");
    if (!bar || bar.dataset.rmReady) return;
    bar.dataset.rmReady = "1";
    bar.hidden = false;
    var content = bar.closest(".md-content") || document;
    var cards = Array.prototype.slice.call(content.querySelectorAll(".rm-card"));
    var text = bar.querySelector("[data-rm-filter-text]");
    var customer = bar.querySelector("select[data-rm-filter]");
    var tagChip = bar.querySelector("[data-rm-tag-chip]");
    var shownText = bar.querySelector("[data-rm-shown]");
    var noMatch = content.querySelector("[data-rm-nomatch]");
    var state = fromAddress();
    var typing = false;  // one history entry per search typed, not one per key

    function apply(fromHistory) {
      var shown = 0, active = KEYS.some(function (key) { return state[key]; });
      cards.forEach(function (card) {
        var ok = matches(card, state);
        card.hidden = !ok;
        if (ok) shown++;
      });
      content.querySelectorAll(".rm-board .rm-column").forEach(function (column) {
        var all = column.querySelectorAll(".rm-card").length;
        var here = column.querySelectorAll(".rm-card:not([hidden])").length;
        var count = column.querySelector("[data-rm-count]");
        if (count) count.textContent = here;
        var none = column.querySelector(".rm-empty--filtered");
        // One message for the whole page when nothing matches; a quiet line per column otherwise.
        if (none) none.hidden = !(all && !here && shown);
      });
      content.querySelectorAll("[data-rm-section]").forEach(function (section) {
        section.hidden = active && !section.querySelector(".rm-card:not([hidden])");
      });
      if (noMatch) noMatch.hidden = shown > 0;
      shownText.textContent = active
        ? "Showing " + shown + " of " + cards.length
        : cards.length === 1 ? "1 item" : "All " + cards.length + " items";
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
      apply();
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
      apply(true);
    });
    apply();
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
    setUpFilters();
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
