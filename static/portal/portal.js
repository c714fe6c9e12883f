/*
 * Status Layanan Imigrasi: progressive enhancement for the public pages.
 *
 * 1. Live status: poll the status API with If-None-Match. When the document says something
 *    the page does not show yet (compared by a fingerprint the server also writes into the
 *    page), fetch the page again and swap its live parts in place; otherwise only move the
 *    "Updated" time. The page works completely without this script.
 * 2. History bars: one tab stop per stage; the arrow keys move between days.
 */
(function () {
  "use strict";

  var main = document.getElementById("main");
  if (!main || !main.dataset.statusUrl || !window.fetch || !window.DOMParser ||
      !window.TextEncoder) {
    return;
  }
  var statusUrl = main.dataset.statusUrl;
  var etag = main.dataset.etag || "";
  var pollMs = Math.max(1, Number(main.dataset.pollSeconds) || 10) * 1000;
  var failures = 0;
  var timer = null;
  var inFlight = false;
  var counters = { polls: 0, refreshes: 0 };

  // CRC-32 (zlib's) over the text's UTF-8 bytes; portal/views.py computes the same.
  var crcTable = null;
  function crc32(text) {
    if (!crcTable) {
      crcTable = [];
      for (var n = 0; n < 256; n++) {
        var c = n;
        for (var k = 0; k < 8; k++) {
          c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
        }
        crcTable[n] = c >>> 0;
      }
    }
    var bytes = new TextEncoder().encode(text);
    var crc = 0xffffffff;
    for (var i = 0; i < bytes.length; i++) {
      crc = crcTable[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
    }
    return ("0000000" + ((crc ^ 0xffffffff) >>> 0).toString(16)).slice(-8);
  }

  function fingerprint(doc) {
    var parts = ["stale:" + (doc.stale ? "1" : "0")];
    doc.systems.forEach(function (s) {
      parts.push("system:" + s.code + "=" + s.state);
    });
    doc.offices.forEach(function (o) {
      o.stages.forEach(function (s) {
        parts.push("stage:" + o.code + "/" + s.code + "=" + s.state + "|" + (s.reason || "") +
          "|" + (s.since || ""));
      });
      o.services.forEach(function (s) {
        parts.push("service:" + o.code + "/" + s.code + "=" + s.state + "|" +
          s.available_stages.join(",") + "|" + (s.reason || ""));
      });
    });
    doc.advisories.forEach(function (a) {
      parts.push("advisory:" + a.id + "=" + a.phase + "|" + (a.updated_at || ""));
    });
    return crc32(parts.join("\n"));
  }

  function formatMoment(iso, pattern, lang) {
    var locale = lang === "en" ? "en-GB" : "id-ID";
    var parts = {};
    new Intl.DateTimeFormat(locale, {
      timeZone: "Asia/Jakarta", weekday: "long", day: "numeric", month: "long", year: "numeric",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23"
    }).formatToParts(new Date(iso)).forEach(function (p) { parts[p.type] = p.value; });
    return pattern.replace(/\{(\w+)\}/g, function (_, name) { return parts[name] || ""; });
  }

  function showUpdated(iso) {
    var time = document.getElementById("updated-at");
    if (!time || !iso || !time.dataset.pattern) {
      return;
    }
    time.setAttribute("datetime", iso);
    time.textContent = formatMoment(iso, time.dataset.pattern, document.documentElement.lang);
  }

  function setOffline(offline) {
    var note = document.getElementById("offline");
    failures = offline ? failures + 1 : 0;
    if (note) {
      note.hidden = failures < 2;
    }
  }

  function swapLiveParts(fresh) {
    var focusedId = document.activeElement && document.activeElement.id;
    main.querySelectorAll("[data-live]").forEach(function (part) {
      var next = fresh.getElementById(part.id);
      if (!next) {
        return;
      }
      part.replaceChildren.apply(part, Array.prototype.map.call(next.childNodes, function (node) {
        return document.importNode(node, true);
      }));
    });
    if (focusedId && document.activeElement === document.body) {
      var again = document.getElementById(focusedId);
      if (again) {
        again.focus();
      }
    }
  }

  function refreshPage() {
    return fetch(location.href, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var freshMain = fresh.getElementById("main");
        if (!freshMain || !freshMain.dataset.fingerprint) {
          return;
        }
        swapLiveParts(fresh);
        main.dataset.fingerprint = freshMain.dataset.fingerprint;
        etag = freshMain.dataset.etag || etag;
        document.title = fresh.title;
        var icon = fresh.getElementById("favicon");
        var current = document.getElementById("favicon");
        if (icon && current) {
          current.setAttribute("href", icon.getAttribute("href"));
        }
        counters.refreshes += 1;
        main.dataset.refreshes = String(counters.refreshes);
      });
  }

  function poll() {
    window.clearTimeout(timer);
    if (inFlight) {
      return;
    }
    if (document.hidden) {  // polled again when the page becomes visible
      return;
    }
    inFlight = true;
    var headers = etag ? { "If-None-Match": etag } : {};
    fetch(statusUrl, { headers: headers, cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 304) {
          return null;
        }
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        etag = response.headers.get("ETag") || "";
        return response.json();
      })
      .then(function (doc) {
        setOffline(false);
        if (doc && fingerprint(doc) !== main.dataset.fingerprint) {
          return refreshPage();
        }
        if (doc) {
          showUpdated(doc.generated_at);
        }
      })
      .catch(function () {
        setOffline(true);
      })
      .then(function () {
        inFlight = false;
        counters.polls += 1;
        main.dataset.polls = String(counters.polls);
        schedule();
      });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(poll, pollMs);
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      poll();
    }
  });
  schedule();
})();

(function () {
  "use strict";

  var keys = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -1, ArrowDown: 1 };

  document.querySelectorAll("ol.bars").forEach(function (list) {
    var items = Array.prototype.slice.call(list.children);
    items.forEach(function (item, index) {
      item.tabIndex = index === items.length - 1 ? 0 : -1;
    });
    list.addEventListener("keydown", function (event) {
      var index = items.indexOf(document.activeElement);
      if (index < 0) {
        return;
      }
      var target;
      if (event.key in keys) {
        target = index + keys[event.key];
      } else if (event.key === "Home") {
        target = 0;
      } else if (event.key === "End") {
        target = items.length - 1;
      } else {
        return;
      }
      event.preventDefault();
      target = Math.max(0, Math.min(items.length - 1, target));
      items[index].tabIndex = -1;
      items[target].tabIndex = 0;
      items[target].focus();
    });
  });
})();
