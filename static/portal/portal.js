/*
 * Status Layanan Imigrasi: progressive enhancement for the public pages.
 *
 * 1. Live status: poll the status API with If-None-Match, sending the status document's
 *    ETag the server wrote into the page. The ETag follows the content, so a 304 means the
 *    page is current: only the "Updated" time moves (from Last-Modified). A new ETag means
 *    the page shows something old: fetch the page again and swap its live parts in place.
 *    The page works completely without this script. An update keeps the reader's focus and
 *    scroll position, and the live region says what changed ("Foto di … kini buka"), once.
 * 2. History bars: one tab stop per stage; the arrow keys move between days.
 * 3. The last office this browser opened is offered first where offices are looked for
 *    (kept in localStorage: the pages themselves stay the same for everyone).
 */
(function () {
  "use strict";

  var main = document.getElementById("main");
  if (!main || !main.dataset.statusUrl || !window.fetch || !window.DOMParser) {
    return;
  }
  var statusUrl = main.dataset.statusUrl;
  var etag = main.dataset.etag || "";
  var pollMs = Math.max(1, Number(main.dataset.pollSeconds) || 10) * 1000;
  var failures = 0;
  var timer = null;
  var inFlight = false;
  var counters = { polls: 0, refreshes: 0 };

  function formatMoment(iso, pattern, lang) {
    var locale = lang === "en" ? "en-GB" : "id-ID";
    var parts = {};
    new Intl.DateTimeFormat(locale, {
      timeZone: "Asia/Jakarta", weekday: "long", day: "numeric", month: "long", year: "numeric",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23"
    }).formatToParts(new Date(iso)).forEach(function (p) { parts[p.type] = p.value; });
    return pattern.replace(/\{(\w+)\}/g, function (_, name) { return parts[name] || ""; });
  }

  // A copy served by a cache while the portal is down still tells its age: past the
  // portal's staleness limit by this browser's clock, the stale banner shows.
  function checkAge(iso) {
    var staleMs = Number(main.dataset.staleSeconds) * 1000;
    var banner = document.getElementById("stale-banner");
    if (banner && banner.hidden && staleMs && Date.now() - new Date(iso).getTime() > staleMs) {
      banner.hidden = false;
      alertStale(banner);
    }
  }

  // The one alert of the page: said when the data turns stale while the page is open.
  function alertStale(banner) {
    var alerter = document.getElementById("alerter");
    if (alerter && banner) {
      alerter.textContent = banner.querySelector("strong").textContent;
    }
  }

  function say(text) {
    var announcer = document.getElementById("announcer");
    if (announcer && text) {
      announcer.textContent = text;
    }
  }

  // What each announced item (a service or stage at an office) shows: key -> [state, words].
  function announced(root) {
    var found = {};
    root.querySelectorAll("[data-announce]").forEach(function (item) {
      if (!(item.dataset.announce in found)) {
        found[item.dataset.announce] = [item.dataset.state, item.dataset.say];
      }
    });
    return found;
  }

  function changes(before, after) {
    var said = [];
    Object.keys(after).forEach(function (key) {
      if (key in before && before[key][0] !== after[key][0]) {
        said.push(after[key][1]);
      }
    });
    return said.join(". ");
  }

  // Where the focus is, so that the same element can have it again after a swap.
  function focusPath(part) {
    var active = document.activeElement;
    if (!active || active === document.body || !part.contains(active)) {
      return null;
    }
    if (active.id) {
      return { id: active.id };
    }
    var all = part.querySelectorAll(active.tagName);
    return { tag: active.tagName, index: Array.prototype.indexOf.call(all, active) };
  }

  function findAgain(part, path) {
    if (path.id) {
      return document.getElementById(path.id);
    }
    return part.querySelectorAll(path.tag)[path.index] || null;
  }

  function showUpdated(iso) {
    var time = document.getElementById("updated-at");
    if (iso) {
      checkAge(iso);
    }
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

  // Swap the live parts in place, keeping what the reader has: the focused element keeps
  // the focus and stays where it was on the screen; otherwise the scroll position stays.
  function swapLiveParts(fresh) {
    var before = announced(main);
    var wasStale = !(document.getElementById("stale-banner") || {}).hidden;
    var x = window.scrollX;
    var y = window.scrollY;
    var focused = null;
    main.querySelectorAll("[data-live]").forEach(function (part) {
      var next = fresh.getElementById(part.id);
      if (!next) {
        return;
      }
      var path = focusPath(part);
      var top = path ? document.activeElement.getBoundingClientRect().top : 0;
      part.replaceChildren.apply(part, Array.prototype.map.call(next.childNodes, function (node) {
        return document.importNode(node, true);
      }));
      if (path) {
        focused = { element: findAgain(part, path), top: top };
      }
    });
    window.scrollTo(x, y);
    if (focused && focused.element) {
      focused.element.focus({ preventScroll: true });
      window.scrollBy(0, focused.element.getBoundingClientRect().top - focused.top);
    }
    var banner = document.getElementById("stale-banner");
    if (banner && !banner.hidden && !wasStale) {
      alertStale(banner);
    }
    say(changes(before, announced(main)));
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
        if (!freshMain || !freshMain.dataset.etag) {
          return;
        }
        swapLiveParts(fresh);
        main.dataset.etag = freshMain.dataset.etag;
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
        if (response.status !== 304 && !response.ok) {
          throw new Error("HTTP " + response.status);
        }
        setOffline(false);
        var confirmed = response.headers.get("Last-Modified");
        if (confirmed) {
          showUpdated(new Date(confirmed).toISOString());
        }
        var current = response.headers.get("ETag") || "";
        if (response.status === 304 || current === main.dataset.etag) {
          return null;
        }
        etag = current;
        return refreshPage();
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

  var shown = document.getElementById("updated-at");
  if (shown) {
    checkAge(shown.getAttribute("datetime"));
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
    // Without this script the list itself is the stage's one tab stop; with it, a day is.
    list.removeAttribute("tabindex");
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

(function () {
  "use strict";

  var KEY = "portal:last-office";
  var store;
  try {
    store = window.localStorage;
  } catch (error) {
    return;  // storage refused: nothing is offered
  }
  var heading = document.querySelector("h1[data-office]");
  if (heading && store) {
    store.setItem(KEY, JSON.stringify({
      code: heading.dataset.office, name: heading.textContent.trim(), url: location.pathname
    }));
    return;
  }
  var slot = document.getElementById("last-office");
  var raw = store && store.getItem(KEY);
  if (!slot || !raw) {
    return;
  }
  var last;
  try {
    last = JSON.parse(raw);
  } catch (error) {
    return;
  }
  if (!last || typeof last.url !== "string" || !/^\/kantor\/[a-z0-9-]+\/$/.test(last.url)) {
    return;
  }
  var link = document.createElement("a");
  link.href = last.url;
  link.textContent = String(last.name || last.code);
  slot.textContent = slot.dataset.label + " ";
  slot.appendChild(link);
  slot.hidden = false;
})();
