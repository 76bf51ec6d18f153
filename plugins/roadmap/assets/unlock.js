/* Unlocks the internal roadmap in the browser (WebCrypto); the build side is crypto.py.
 *
 * Two roles, one file:
 * - in a locked page (it holds #roadmap-sealed, this script inline) it asks for the password
 *   once per tab, unwraps the content key, decrypts the page and writes it in place;
 * - in an unlocked page (loaded from the page's head) it answers Material's search index
 *   request with the decrypted index, wires "Log out", and hides pages restored after log out.
 */
(function () {
  "use strict";
  var STORE = "roadmap-unlock";
  var enc = new TextEncoder();

  function bytes(b64) {
    var s = atob(b64), out = new Uint8Array(s.length);
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
  function aesKey(raw) {
    return crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["decrypt"]);
  }
  function decrypt(key, envelope, aad) {
    return crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes(envelope.iv), additionalData: enc.encode(aad) },
      key, bytes(envelope.ct));
  }
  function gunzip(buf) {
    var stream = new Blob([buf]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).arrayBuffer();
  }
  function openEnvelope(rawKey, envelope, aad) {
    return aesKey(rawKey)
      .then(function (key) { return decrypt(key, envelope, aad); })
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

    function say(text, kind) {
      message.textContent = text;
      message.className = "rm-message" + (kind ? " rm-message--" + kind : "");
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
    function show(rawKey) {
      return openEnvelope(rawKey, data.page, data.path).then(function (html) {
        var text = new TextDecoder().decode(html);
        document.open();
        document.write(text);
        document.close();
      });
    }
    function unwrap(password) {
      var kdf = data.kdf;
      return crypto.subtle.importKey("raw", enc.encode(password.normalize("NFC")), "PBKDF2", false,
        ["deriveKey"]).then(function (material) {
        return crypto.subtle.deriveKey(
          { name: "PBKDF2", hash: "SHA-256", salt: bytes(kdf.salt), iterations: kdf.iterations },
          material, { name: "AES-GCM", length: 256 }, false, ["decrypt"]);
      }).then(function (kek) {
        // Each team's password wraps the same content key: try every copy.
        return data.keys.reduce(function (found, wrapped) {
          return found.then(function (raw) {
            if (raw) return raw;
            return decrypt(kek, wrapped, "roadmap/content-key/v1").catch(function () { return null; });
          });
        }, Promise.resolve(null));
      });
    }

    if (!window.crypto || !crypto.subtle) {
      say("This page must be opened over https (or from this computer) to be unlocked.", "error");
      button.disabled = true;
      return;
    }
    if (!placeMatches()) {
      say("This page was moved or altered, so it will not open.", "error");
      button.disabled = true;
      return;
    }
    var saved = stored();
    if (saved && saved.salt === data.kdf.salt) {
      document.documentElement.classList.add("rm-opening");
      show(bytes(saved.key)).catch(function () {
        document.documentElement.classList.remove("rm-opening");
        sessionStorage.removeItem(STORE);
        say("This page could not be opened with your session. Enter the password again.", "error");
      });
      return;
    }
    if (saved) say("The roadmap was updated since you unlocked it. Enter the password again.");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var password = input.value;
      if (!password) return;
      button.disabled = true;
      say("Unlocking…");
      unwrap(password).then(function (raw) {
        if (!raw) {
          button.disabled = false;
          input.select();
          say("Wrong password. Try again.", "error");
          return;
        }
        sessionStorage.setItem(STORE, JSON.stringify({ salt: data.kdf.salt, key: base64(raw) }));
        return show(new Uint8Array(raw));
      }).catch(function () {
        button.disabled = false;
        say("This page could not be decrypted: it may be damaged.", "error");
      });
    });
    input.focus();
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
      fetch(target[1], { cache: "no-cache" }).then(function (r) { return r.json(); })
        .then(function (envelope) {
          return openEnvelope(bytes(stored().key), envelope, "search/search_index.json");
        })
        .then(function (json) {
          var url = URL.createObjectURL(new Blob([json], { type: "application/json" }));
          open.call(xhr, target[0], url);
          send.call(xhr);
        })
        .catch(function () { open.call(xhr, target[0], target[1]); send.call(xhr); });
    };
    function addLogOut() {
      var header = document.querySelector(".md-header__inner");
      if (!header || header.querySelector("[data-rm-logout]")) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "rm-logout";
      button.setAttribute("data-rm-logout", "");
      button.textContent = "Log out";
      button.title = "Forget the password in this tab";
      header.appendChild(button);
    }
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", addLogOut);
    else addLogOut();
    function logOut() {
      sessionStorage.removeItem(STORE);
      location.reload();
    }
    document.addEventListener("click", function (event) {
      var target = event.target.closest && event.target.closest("[data-rm-logout]");
      if (target) { event.preventDefault(); logOut(); }
    });
    // Back/forward restores pages from memory: after log out, those must not show again.
    window.addEventListener("pageshow", function () {
      if (!stored()) { document.documentElement.style.display = "none"; location.reload(); }
    });
  }
})();
