/* Unlocks the internal roadmap in the browser (WebCrypto); the build side is crypto.py.
 *
 * Two roles, one file:
 * - in a locked page (it holds #roadmap-sealed, this script inline) it checks that the page is
 *   where it was built for and not older than the site's current build, then opens it with the
 *   key this tab holds, a key handed over by the tab this one was opened from, or the password,
 *   and writes the decrypted page in place;
 * - in an unlocked page (loaded from the page's head) it answers Material's search index
 *   request with the decrypted index, opens other sealed pages for the board
 *   (window.roadmapPage), hands the key to tabs opened from it, and wires "Log out", which locks
 *   every tab of the site.
 *
 * An account's site (kdf "LINK") has no password: the key is in its link's fragment, #k=<key>.
 * The page reads it, takes it out of the address bar and keeps it in this tab's session
 * storage ("roadmap-link"), as the content key is kept; a key that opens nothing means the link
 * was revoked or rotated, and the page says so.
 *
 * What a tab keeps: sessionStorage "roadmap-unlock" = {build, key}, for this tab only. Keys pass
 * between tabs through a BroadcastChannel, in memory, never through localStorage or cookies.
 * Every page of the origin can post and listen on that channel, so an unlocked tab answers
 * only for a page the user just opened from it (a link Ctrl+clicked, middle-clicked, dragged,
 * or its context menu opened, in the last ARMED_FOR ms), once, and encrypts the key for the
 * tab that asked (ECDH P-256, HKDF-SHA256, AES-GCM): a page that listens hears ciphertext,
 * a page that asks for itself gets nothing.
 */
(function () {
  "use strict";
  var STORE = "roadmap-unlock";
  var NOTE = "roadmap-note";  // a message for the next locked page of this tab (after log out)
  var REFETCHED = "roadmap-refetched";  // "<path> <build>" of the last page fetched again
  var LINK = "roadmap-link";  // an account site's link key (base64url), from #k=
  var LINK_KDF = "LINK";
  var LINK_CLOSED = "This link no longer opens anything; ask your contact for a new one.";
  var LINK_MISSING = "This roadmap opens only from the link you were sent. Open that link " +
    "again, or ask your contact for a new one.";
  var CHANNEL = "roadmap-unlock";
  var HANDOFF_WAIT = 800;  // ms a new tab waits for the tab it was opened from
  var ARMED_FOR = 20000;  // ms an unlocked tab answers for a link the user opened from it
  var ECDH = { name: "ECDH", namedCurve: "P-256" };
  var LOGGED_OUT = "You logged out. Every tab of the roadmap is locked.";
  var enc = new TextEncoder();

  function bytes(b64) {
    var s = atob(b64.replace(/-/g, "+").replace(/_/g, "/")), out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  function base64(buf) {
    var s = "", b = new Uint8Array(buf);
    for (var i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
    return btoa(s);
  }
  function stored() {
    try { return JSON.parse(sessionStorage.getItem(STORE) || "null"); } catch (e) { return null; }
  }
  function remember(build, raw) {
    sessionStorage.setItem(STORE, JSON.stringify({ build: build, key: base64(raw) }));
  }
  function channel() {
    try { return new BroadcastChannel(CHANNEL); } catch (e) { return null; }
  }
  // Associated data, as crypto.py binds it: the build and the page's path.
  function pageAad(build, path) { return "roadmap/page/v2\n" + build + "\n" + path; }
  function wrapAad(build) { return "roadmap/content-key/v2\n" + build; }
  function aesKey(raw) {
    return crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["decrypt"]);
  }
  function decrypt(key, envelope, aad) {
    return crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes(envelope.iv), additionalData: enc.encode(aad) },
      key, bytes(envelope.ct));
  }
  function unpad(buf) {
    // A 4-byte length, the gzip data, then zeros up to the page's size bucket.
    var length = new DataView(buf).getUint32(0);
    if (length > buf.byteLength - 4) throw new Error("bad padding");
    return buf.slice(4, 4 + length);
  }
  function gunzip(buf) {
    var stream = new Blob([buf]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).arrayBuffer();
  }
  // The page a tab shows, as the tab it was opened from names the link: the path, without
  // index.html (a folder and its index.html are one page).
  function pageOf(url) { return url.pathname.replace(/index\.html$/, ""); }
  function randomId() { return base64(crypto.getRandomValues(new Uint8Array(12))); }
  // A key for one hand-off, from our private key and the other tab's public one.
  function handoffKey(privateKey, theirs, id, build) {
    return crypto.subtle.importKey("raw", bytes(theirs), ECDH, false, [])
      .then(function (pub) {
        return crypto.subtle.deriveBits({ name: "ECDH", public: pub }, privateKey, 256);
      })
      .then(function (bits) {
        return crypto.subtle.importKey("raw", bits, "HKDF", false, ["deriveKey"]);
      })
      .then(function (material) {
        return crypto.subtle.deriveKey(
          { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0),
            info: enc.encode("roadmap/handoff/v1\n" + build + "\n" + id) },
          material, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
      });
  }
  function newPair() {
    return crypto.subtle.generateKey(ECDH, false, ["deriveBits"]).then(function (pair) {
      return crypto.subtle.exportKey("raw", pair.publicKey).then(function (raw) {
        return { privateKey: pair.privateKey, pub: base64(raw) };
      });
    });
  }
  function openEnvelope(rawKey, envelope, build, path) {
    return aesKey(rawKey)
      .then(function (key) { return decrypt(key, envelope, pageAad(build, path)); })
      .then(unpad)
      .then(gunzip);
  }

  var sealed = document.getElementById("roadmap-sealed");
  if (sealed) locked(JSON.parse(sealed.textContent)); else unlocked();

  /* A locked page ------------------------------------------------------------------------ */
  function locked(data) {
    var form = document.getElementById("rm-unlock");
    var input = document.getElementById("rm-password");
    var message = document.getElementById("rm-message");
    var button = form.querySelector("button");
    var root = document.documentElement;
    var refused = false;

    function say(text, kind) {
      message.textContent = text || "";
      message.className = "rm-message" + (kind ? " rm-message--" + kind : "");
    }
    function refuse(text) {
      refused = true;
      root.classList.remove("rm-opening");
      button.disabled = true;
      say(text, "error");
    }
    function ready(text) {
      root.classList.remove("rm-opening");
      if (refused) return;
      button.disabled = false;
      say(text);
      input.focus();
    }
    function older() {
      // Most often the browser's own copy of a page the host has since replaced (hosts let
      // browsers keep pages for minutes): fetch it again from the host, once, then decide.
      var tried = sessionStorage.getItem(REFETCHED), here = location.pathname + " " + data.build;
      if (tried !== here) {
        sessionStorage.setItem(REFETCHED, here);
        root.classList.add("rm-opening");
        fetch(location.href, { cache: "reload" }).catch(function () {}).then(function () {
          location.reload();
        });
        return;
      }
      refuse("This page is from an older version of the roadmap, so it will not open. " +
        "Open the roadmap's home page for the current version.");
    }
    function placeMatches() {
      // The page's path is bound to its ciphertext and checked against the address, so a locked
      // page copied over another one will not open there.
      if (data.path === "404.html") return true;  // hosts serve it at any missing address
      var here = decodeURIComponent(location.pathname).replace(/index\.html$/, "");
      var want = data.path.replace(/index\.html$/, "");
      if (want) return here.endsWith("/" + want);
      // The home page: the site's root, wherever that is, but never a page's own folder.
      return here.endsWith("/") && !/\/[0-9a-f]{20}\/$/.test(here);
    }
    function siteRoot() {
      if (data.path === "404.html") return new URL(data.root || "/", location.href);
      var here = location.pathname.replace(/index\.html$/, "");
      var want = data.path.replace(/index\.html$/, "");
      return new URL(here.slice(0, here.length - want.length), location.href);
    }
    function currentBuild() {
      return fetch(new URL("build.json", siteRoot()), { cache: "no-cache" })
        .then(function (r) {
          if (r.ok) return r.json();
          var e = new Error("HTTP " + r.status);
          e.gone = r.status === 404 || r.status === 410;  // the site's folder is not published
          throw e;
        })
        .then(function (json) { return String(json.build); });
    }
    function show(rawKey) {
      root.classList.add("rm-opening");
      return openEnvelope(rawKey, data.page, data.build, data.path).then(function (html) {
        var text = new TextDecoder().decode(html);
        document.open();
        document.write(text);
        document.close();
      });
    }
    function fromOpener() {
      // Only a tab opened from a page of this site asks the others for the key: an address
      // typed by hand, a bookmark or a link from elsewhere asks for the password.
      var bc, ref = document.referrer;
      try { if (!ref || new URL(ref).origin !== location.origin) return Promise.resolve(null); }
      catch (e) { return Promise.resolve(null); }
      if (!(bc = channel())) return Promise.resolve(null);
      root.classList.add("rm-opening");
      var id = randomId();
      return newPair().then(function (mine) {
        return new Promise(function (resolve) {
          var timer = setTimeout(function () { bc.close(); resolve(null); }, HANDOFF_WAIT);
          bc.onmessage = function (event) {
            var m = event.data || {};
            if (m.type !== "key" || m.id !== id || m.build !== data.build) return;
            // A key that does not open this page (sent by any page of the origin) is ignored:
            // the tab this one was opened from may still answer.
            Promise.resolve().then(function () {
              return handoffKey(mine.privateKey, m.pub, id, data.build);
            }).then(function (key) {
              return decrypt(key, m, id);
            }).then(function (raw) {
              return openEnvelope(raw, data.page, data.build, data.path).then(function () {
                clearTimeout(timer);
                bc.close();
                resolve(new Uint8Array(raw));
              });
            }).catch(function () {});
          };
          bc.postMessage({ type: "ask", id: id, build: data.build,
            path: pageOf(location), pub: mine.pub });
        });
      }, function () { bc.close(); return null; });
    }
    function unwrap(password) {
      // Each password has a salt of its own: derive a key for each copy, in parallel.
      var material = crypto.subtle.importKey("raw", enc.encode(password.normalize("NFC")),
        "PBKDF2", false, ["deriveKey"]);
      return Promise.all(data.keys.map(function (wrapped) {
        return material.then(function (m) {
          return crypto.subtle.deriveKey(
            { name: "PBKDF2", hash: "SHA-256", salt: bytes(wrapped.salt),
              iterations: data.kdf.iterations },
            m, { name: "AES-GCM", length: 256 }, false, ["decrypt"]);
        }).then(function (kek) {
          return decrypt(kek, wrapped, wrapAad(data.build));
        }).catch(function () { return null; });
      })).then(function (found) {
        return found.filter(Boolean)[0] || null;
      });
    }

    function linkKey() {
      // The key from the address, taken out of it at once (history, bookmarks and a copied
      // address then do not carry it), else the one this tab was opened with.
      var m = /^#k=([A-Za-z0-9_-]{43})$/.exec(location.hash);
      if (m) {
        sessionStorage.setItem(LINK, m[1]);
        history.replaceState(history.state, "", location.pathname + location.search);
        return m[1];
      }
      if (location.hash.indexOf("#k=") === 0) {
        history.replaceState(history.state, "", location.pathname + location.search);
        return "";  // a damaged link: opens nothing
      }
      return sessionStorage.getItem(LINK);
    }
    function fromLink() {
      // Another link pasted into this tab changes only the fragment: the page does not load
      // again by itself.
      window.addEventListener("hashchange", function () {
        if (location.hash.indexOf("#k=") === 0) location.reload();
      });
      var key = linkKey();
      // A page the browser kept (hosts let it keep pages for minutes) is checked against the
      // host first, whatever key this tab holds: a revoked or rotated link's folder is gone,
      // and its pages must not open from the cache.
      root.classList.add("rm-opening");
      currentBuild().then(function (current) {
        if (data.build < current) { older(); return; }
        withLink(key);
      }, function (e) {
        if (e && e.gone) {
          sessionStorage.removeItem(LINK);
          sessionStorage.removeItem(STORE);
          refuse(LINK_CLOSED);
          return;
        }
        refuse("Could not check that this page is the current version of the roadmap. " +
          "Reload the page to try again.");
      });
    }
    function withLink(key) {
      var saved = stored();
      if (saved && saved.build === data.build && key === sessionStorage.getItem(LINK)) {
        show(bytes(saved.key)).catch(function () {
          sessionStorage.removeItem(STORE);
          withLink(key);
        });
        return;
      }
      if (key === null) {
        // A tab opened from an open page of this site gets the key from it, as inside.
        fromOpener().then(function (content) {
          if (!content) { refuse(LINK_MISSING); return; }
          remember(data.build, content);
          return show(content);
        }).catch(function () { refuse(LINK_MISSING); });
        return;
      }
      var raw = null;
      try { raw = bytes(key); } catch (e) { raw = null; }
      var wrapped = data.keys[0];
      if (!raw || raw.length !== 32 || !wrapped) {
        sessionStorage.removeItem(LINK);
        refuse(LINK_CLOSED);
        return;
      }
      root.classList.add("rm-opening");
      aesKey(raw).then(function (kek) {
        return decrypt(kek, wrapped, wrapAad(data.build));
      }).then(function (content) {
        remember(data.build, content);
        return show(new Uint8Array(content));
      }).catch(function () {
        sessionStorage.removeItem(LINK);
        sessionStorage.removeItem(STORE);
        refuse(LINK_CLOSED);
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var password = input.value;
      if (refused || button.disabled || !password) return;
      button.disabled = true;
      say("Unlocking…");
      unwrap(password).then(function (raw) {
        if (!raw) {
          button.disabled = false;
          input.select();
          say("Wrong password. Try again.", "error");
          return;
        }
        remember(data.build, raw);
        return show(new Uint8Array(raw));
      }).catch(function () {
        root.classList.remove("rm-opening");
        button.disabled = false;
        say("This page could not be decrypted: it may be damaged.", "error");
      });
    });
    input.focus();

    if (location.protocol === "file:") {
      refuse("This copy of the roadmap is a folder on your computer: it opens only when served " +
        "over http(s). Serve the folder (for example: python3 -m http.server) and open it " +
        "from there.");
      return;
    }
    if (!window.crypto || !crypto.subtle) {
      refuse("This page must be opened over https (or from this computer) to be unlocked.");
      return;
    }
    if (!placeMatches()) {
      refuse("This page was moved or altered, so it will not open.");
      return;
    }
    if (data.kdf && data.kdf.name === LINK_KDF) {
      fromLink();
      return;
    }
    var note = sessionStorage.getItem(NOTE);
    sessionStorage.removeItem(NOTE);
    var saved = stored();
    if (saved && saved.build === data.build) {
      show(bytes(saved.key)).catch(function () {
        sessionStorage.removeItem(STORE);
        ready();
        say("This page could not be opened with your session. Enter the password again.", "error");
      });
      return;
    }
    if (saved && saved.build > data.build) {
      older();
      return;
    }
    currentBuild().then(function (current) {
      if (data.build < current) {
        older();
        return;
      }
      return fromOpener().then(function (raw) {
        if (!raw) {
          ready(saved ? "The roadmap was updated since you unlocked it. Enter the password again."
            : note);
          return;
        }
        remember(data.build, raw);
        return show(raw).catch(function () {
          sessionStorage.removeItem(STORE);
          ready();
          say("This page could not be opened with your session. Enter the password again.",
            "error");
        });
      });
    }, function () {
      refuse("Could not check that this page is the current version of the roadmap. " +
        "Reload the page to try again.");
    });
  }

  /* An unlocked page ----------------------------------------------------------------------- */
  function unlocked() {
    var saved = stored();
    if (!saved) {
      // Reached without a key (an old tab after log out): show nothing.
      document.documentElement.style.display = "none";
      location.reload();
      return;
    }
    // Material loads search/search_index.json with XMLHttpRequest; the file is encrypted, so the
    // request is answered with the decrypted index instead.
    var open = XMLHttpRequest.prototype.open, send = XMLHttpRequest.prototype.send;
    var INDEX = /\/search\/search_index\.json(\?|#|$)/;
    XMLHttpRequest.prototype.open = function (method, url) {
      if (INDEX.test(String(url))) { this._rmIndex = [method, String(url)]; return; }
      return open.apply(this, arguments);
    };
    XMLHttpRequest.prototype.send = function () {
      var xhr = this, target = this._rmIndex;
      if (!target) return send.apply(this, arguments);
      whenSearched(function () { answerIndex(xhr, target); });
    };
    // The index is fetched and opened once the page is shown and the browser idle, or as soon
    // as search is wanted (its field focused: a click, a tap, Material's shortcuts): at 5,000
    // items it is 15.8 MB, and opening it as the page loaded took 0.2-0.4 s of the main thread
    // just as the page showed. Not later than that: Material's worker then takes seconds to
    // index it (14-18 s at 5,000 items), and until then its field says "Initializing search".
    var SEARCH_FIELD = "[data-md-component=search-query]";
    function whenSearched(run) {
      var done = false;
      function go() {
        if (done) return;
        done = true;
        document.removeEventListener("focusin", wanted, true);
        run();
      }
      function wanted(event) {
        if (event.target.matches && event.target.matches(SEARCH_FIELD)) go();
      }
      var active = document.activeElement;
      if (active && active.matches && active.matches(SEARCH_FIELD)) { go(); return; }
      document.addEventListener("focusin", wanted, true);
      var idle = window.requestIdleCallback || function (f) { return setTimeout(f, 200); };
      function shown() { idle(go, { timeout: 1000 }); }
      if (document.readyState === "complete") shown(); else window.addEventListener("load", shown);
    }
    function answerIndex(xhr, target) {
      fetch(target[1], { cache: "no-cache" }).then(function (r) { return r.json(); })
        .then(function (envelope) {
          var now = stored();
          if (!now || envelope.build !== now.build) throw new Error("another build");
          return openEnvelope(bytes(now.key), envelope, envelope.build, envelope.path);
        })
        .then(function (json) {
          var url = URL.createObjectURL(new Blob([json], { type: "application/json" }));
          open.call(xhr, target[0], url);
          send.call(xhr);
        })
        .catch(function () { open.call(xhr, target[0], target[1]); send.call(xhr); });
    }

    // Another page of this site, opened with the key this tab holds, as the search index is:
    // the board fetches the page that lists a whole horizon (board.js) and reads its cards.
    // Only a page of this origin and this build, at the address it was sealed for, opens.
    window.roadmapPage = function (address) {
      var url = new URL(address, location.href);
      if (url.origin !== location.origin) return Promise.reject(new Error("another site"));
      return fetch(url.href, { cache: "no-cache" }).then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.text();
      }).then(function (text) {
        var el = new DOMParser().parseFromString(text, "text/html")
          .getElementById("roadmap-sealed");
        if (!el) throw new Error("not a locked page");
        var data = JSON.parse(el.textContent), now = stored();
        if (!now || data.build !== now.build) throw new Error("another build: reload the page");
        var here = decodeURIComponent(url.pathname).replace(/index\.html$/, "");
        var want = String(data.path).replace(/index\.html$/, "");
        if (!want || !here.endsWith("/" + want)) throw new Error("a page out of its place");
        return openEnvelope(bytes(now.key), data.page, data.build, data.path);
      }).then(function (html) { return new TextDecoder().decode(html); });
    };

    function lock() {
      sessionStorage.removeItem(STORE);
      sessionStorage.removeItem(LINK);
      sessionStorage.setItem(NOTE, LOGGED_OUT);
      document.documentElement.style.display = "none";
      location.reload();
    }
    // Tabs opened from this one ask for the key; log out in any tab locks this one too.
    var armed = [];  // {page, until}: links the user opened from this tab, not yet answered
    function arm(href) {
      var url;
      try { url = new URL(href, location.href); } catch (e) { return; }
      if (url.origin !== location.origin) return;
      armed.push({ page: pageOf(url), until: Date.now() + ARMED_FOR });
    }
    function take(page) {
      var now = Date.now();
      armed = armed.filter(function (a) { return a.until > now; });
      for (var i = 0; i < armed.length; i++) {
        if (armed[i].page === page) return armed.splice(i, 1)[0];
      }
      return null;
    }
    function linkOf(event) {
      return event.target && event.target.closest && event.target.closest("a[href]");
    }
    // The ways a link leaves this tab for another: Ctrl/Cmd/Shift+click, a link with a target,
    // the middle button, the context menu ("Open in new tab"), dragging it to the tab bar.
    document.addEventListener("click", function (event) {
      var a = linkOf(event);
      if (a && (event.ctrlKey || event.metaKey || event.shiftKey || a.target)) arm(a.href);
    }, true);
    ["auxclick", "contextmenu", "dragstart"].forEach(function (type) {
      document.addEventListener(type, function (event) {
        var a = linkOf(event);
        if (a) arm(a.href);
      }, true);
    });
    var windowOpen = window.open;
    window.open = function (url) {
      if (url) arm(String(url));
      return windowOpen.apply(window, arguments);
    };
    function answer(bc, m, now) {
      var pair;
      return newPair().then(function (mine) {
        pair = mine;
        return handoffKey(mine.privateKey, m.pub, m.id, now.build);
      }).then(function (key) {
        var iv = crypto.getRandomValues(new Uint8Array(12));
        return crypto.subtle.encrypt(
          { name: "AES-GCM", iv: iv, additionalData: enc.encode(m.id) }, key, bytes(now.key))
          .then(function (ct) {
            bc.postMessage({ type: "key", id: m.id, build: now.build, pub: pair.pub,
              iv: base64(iv), ct: base64(ct) });
          });
      }).catch(function () {});
    }
    var bc = channel();
    if (bc) {
      bc.onmessage = function (event) {
        var m = event.data || {}, now = stored();
        if (m.type === "ask" && now && m.build === now.build && typeof m.id === "string" &&
            typeof m.pub === "string" && typeof m.path === "string" && take(m.path)) {
          answer(bc, m, now);
        } else if (m.type === "logout") {
          lock();
        }
      };
    }

    function addLogOut() {
      var header = document.querySelector(".md-header__inner");
      if (!header || header.querySelector("[data-rm-logout]")) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "rm-logout";
      button.setAttribute("data-rm-logout", "");
      // A client opened an account's site from a link, with no password: "Log out" of what?
      var fromLink = !!sessionStorage.getItem(LINK);
      button.textContent = fromLink ? "Lock" : "Log out";
      button.title = fromLink
        ? "Lock this roadmap in this browser; the link you were sent opens it again"
        : "Lock the roadmap in every tab of this browser";
      header.appendChild(button);
    }
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", addLogOut);
    else addLogOut();
    document.addEventListener("click", function (event) {
      var target = event.target.closest && event.target.closest("[data-rm-logout]");
      if (!target) return;
      event.preventDefault();
      if (bc) bc.postMessage({ type: "logout" });
      lock();
    });
    // Back/forward restores pages from memory: after log out, those must not show again.
    window.addEventListener("pageshow", function () {
      if (!stored()) { document.documentElement.style.display = "none"; location.reload(); }
    });
  }
})();
