/* Optional enhancement; the page is complete without it. Shows times in the reader's zone and
   refreshes the banner from api/v2/status.json every 60 s. */
(function () {
  "use strict";
  var fmt = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
    timeZoneName: "short"
  });
  document.querySelectorAll("time[datetime]").forEach(function (el) {
    var when = new Date(el.getAttribute("datetime"));
    if (!isNaN(when) && el.getAttribute("datetime").indexOf("T") > 0) {
      el.title = el.textContent;
      el.textContent = fmt.format(when);
    }
  });
  var banner = document.getElementById("banner");
  var api = document.body.getAttribute("data-status-api");
  if (!banner || !api || !window.fetch) return;
  var icons = { none: "operational", minor: "degraded_performance", major: "partial_outage",
                critical: "major_outage", maintenance: "under_maintenance" };
  function refresh() {
    fetch(api, { cache: "no-store" }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data || !data.status || !icons[data.status.indicator]) return;
        banner.className = "banner s-" + data.status.indicator;
        banner.querySelector(".banner-text").textContent = data.status.description;
        banner.querySelector("use").setAttribute("href", "#i-" + icons[data.status.indicator]);
      }).catch(function () { /* offline: keep what the page says */ });
  }
  setInterval(refresh, 60000);
})();
