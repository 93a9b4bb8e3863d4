/* Optional enhancement; every page is complete without it.
   - Times: written by the build in the site's zone as "22 Nov 2026, 14:05 UTC"; shown here in
     the same format and language, in the reader's zone, and the footer says which zone that is.
     Times in a `rel` span also say how long ago they were ("12 min ago"). A page in another
     language than English (<html lang>) gets that language's forms from the browser's Intl, and
     its footer's words from the page (`data-yours` on the zone).
   - Refresh (the index, `data-refresh` seconds): fetches the page again and swaps the whole
     <main> and the favicon at once, so the banner, incidents, statuses and "Updated" never
     disagree; if anything fails, the page stays as it was.
   - Print: opens the folded groups while printing. */
(function () {
  "use strict";
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var NBSP = "\u00a0";
  var lang = document.documentElement.lang || "en";
  var english = lang === "en";
  var parts = null, relativeTime = null;
  try {
    parts = new Intl.DateTimeFormat(english ? "en-US" : lang, {
      year: "numeric", month: english ? "numeric" : "long", day: "numeric", hour: "2-digit", minute: "2-digit",
      hourCycle: "h23", timeZoneName: "short"
    });
    if (!english && Intl.RelativeTimeFormat) relativeTime = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
  } catch (e) { /* no Intl: keep the site's zone */ }

  function shown(date) {
    if (!english) return parts.format(date);
    var p = {};
    parts.formatToParts(date).forEach(function (x) { p[x.type] = x.value; });
    return Number(p.day) + " " + MONTHS[Number(p.month) - 1] + " " + p.year + ", " +
      p.hour + ":" + p.minute + " " + p.timeZoneName;
  }

  function zoneName(date) {
    var name = "";
    parts.formatToParts(date).forEach(function (x) { if (x.type === "timeZoneName") name = x.value; });
    return name;
  }

  function localAgo(future, minutes) {
    if (minutes < 1) return relativeTime.format(0, "minute");
    var sign = future ? 1 : -1;
    if (minutes < 60) return relativeTime.format(sign * minutes, "minute");
    if (minutes < 48 * 60) return relativeTime.format(sign * Math.floor(minutes / 60), "hour");
    return relativeTime.format(sign * Math.floor(minutes / 1440), "day");
  }

  function ago(ms) {
    var future = ms < 0, minutes = Math.floor(Math.abs(ms) / 60000), span;
    if (relativeTime) return localAgo(future, minutes);
    if (minutes < 1) return future ? "in under a minute" : "just now";
    if (minutes < 60) span = minutes + NBSP + "min";
    else if (minutes < 48 * 60) span = Math.floor(minutes / 60) + NBSP + "h";
    else span = Math.floor(minutes / 1440) + NBSP + "d";
    return future ? "in " + span : span + " ago";
  }

  function relative(scope) {
    var now = Date.now();
    scope.querySelectorAll(".rel > time[datetime]").forEach(function (el) {
      var when = Date.parse(el.getAttribute("datetime"));
      if (isNaN(when)) return;
      var note = el.nextElementSibling;
      if (!note || !note.classList.contains("ago")) {
        note = document.createElement("span");
        note.className = "ago";
        el.parentNode.insertBefore(note, el.nextSibling);
      }
      note.textContent = " (" + ago(now - when) + ")";
    });
  }

  function localise(scope) {
    if (parts) {
      scope.querySelectorAll("time[datetime]").forEach(function (el) {
        var iso = el.getAttribute("datetime");
        var when = new Date(iso);
        if (iso.indexOf("T") < 0 || isNaN(when)) return;
        if (!el.title) el.title = el.textContent;
        el.textContent = shown(when);
      });
    }
    relative(scope);
  }

  function footer() {
    var zone = document.querySelector(".foot .zone");
    if (!zone || !parts) return;
    var name = english ? shown(new Date()).split(" ").pop() : zoneName(new Date());
    var iana = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var where = iana && iana !== name ? name + " (" + iana + ")" : name;
    var words = zone.getAttribute("data-yours");
    zone.textContent = !english && words ? words.replace("{zone}", where) : "your time zone, " + where;
  }

  localise(document);
  footer();

  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details:not([open])").forEach(function (d) {
      d.setAttribute("open", "");
      d.setAttribute("data-print-opened", "");
    });
  });
  window.addEventListener("afterprint", function () {
    document.querySelectorAll("details[data-print-opened]").forEach(function (d) {
      d.removeAttribute("open");
      d.removeAttribute("data-print-opened");
    });
  });

  var every = Number(document.body.getAttribute("data-refresh"));
  var main = document.getElementById("main");
  if (!every || !main || !window.fetch || !window.DOMParser) return;

  function swap(text) {
    var fresh = new DOMParser().parseFromString(text, "text/html");
    var next = fresh.getElementById("main");
    var current = document.getElementById("main");
    if (!next || !current || !fresh.getElementById("banner")) return;
    // Keep the groups a reader opened or closed.
    var open = {};
    current.querySelectorAll("details.group").forEach(function (d) {
      open[d.querySelector("summary").textContent] = d.open;
    });
    next.querySelectorAll("details.group").forEach(function (d) {
      var name = d.querySelector("summary").textContent;
      if (Object.prototype.hasOwnProperty.call(open, name)) d.open = open[name];
    });
    localise(next);
    var adopted = document.importNode(next, true);
    var icon = document.querySelector("link[rel=icon]");
    var freshIcon = fresh.querySelector("link[rel=icon]");
    current.parentNode.replaceChild(adopted, current);
    if (icon && freshIcon) icon.setAttribute("href", freshIcon.getAttribute("href"));
    document.title = fresh.title || document.title;
    main = adopted;
  }

  function refresh() {
    relative(document);
    if (document.hidden) return;
    // A reader working inside the page (a focused link or field) is not interrupted.
    var active = document.activeElement;
    if (active && active !== document.body && main.contains(active)) return;
    fetch(location.href, { cache: "no-cache" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (text) { if (text) swap(text); })
      .catch(function () { /* offline: keep what the page says */ });
  }
  setInterval(refresh, every * 1000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
})();
