"""Benchmark of the site build: N synthetic incidents over 3 years, 20 components, 90 days of
synthetic checker data.

    python bench/build_corpus.py 1000 10000      # sizes to measure (default: 1000 10000)

Prints, as medians over --repeat runs: full build time and peak RSS (each full build runs in a
fresh process, so RSS is that build's own), no-op rebuild + folder publish time with the number
of files written, the same after editing one incident, and the gzipped size of index.html plus
its stylesheet. Rebuilds take the path of `statusgen build`: a build into a kept folder with its
cache file, then a publish of what changed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checker.bundle import (  # noqa: E402
    Bundle,
    CheckerSettings,
    Component,
    HttpCheck,
    Incident,
    IncidentUpdate,
    SiteSettings,
)
from checker.summary import Summary  # noqa: E402
from site_builder.markdown import render_markdown  # noqa: E402

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
COMPONENTS = 20
GROUPS = ("Core", "Data", "Billing", "Edge")
_STATUSES = ("degraded_performance", "partial_outage", "major_outage")


def synthetic_bundle(incidents: int, *, components: int = COMPONENTS, seed: int = 1) -> Bundle:
    """A site with `components` components in 4 groups and `incidents` incidents over 3 years."""
    rng = random.Random(seed)
    comps = [
        Component(
            id=f"service-{n:02d}", name=f"Service {n:02d}", group=GROUPS[n % len(GROUPS)],
            description=f"Synthetic component number {n}",
            check=HttpCheck(type="http", url=f"http://127.0.0.1:9/{n}"),
        )
        for n in range(components)
    ]
    items: list[Incident] = []
    span = 3 * 365 * 86400
    for n in range(incidents):
        start = NOW - timedelta(seconds=rng.randrange(3600, span))
        affected = rng.sample(comps, k=rng.randint(1, 3))
        statuses = {c.id: rng.choice(_STATUSES) for c in affected}
        steps = [("investigating", 0), ("identified", rng.randint(5, 60)),
                 ("monitoring", rng.randint(61, 120)), ("resolved", rng.randint(121, 300))]
        updates = []
        for status, minutes in reversed(steps):
            body = (f"Update {status} for incident {n}: we are looking at **elevated error rates** "
                    f"on {', '.join(statuses)}. Next update in 30 minutes.")
            updates.append(IncidentUpdate(at=start + timedelta(minutes=minutes), status=status,
                                          body=body, html=render_markdown(body)))
        items.append(Incident(
            slug=f"{start:%Y-%m-%d}-synthetic-incident-{n}", kind="incident",
            title=f"Synthetic incident {n} on {', '.join(statuses)}", impact="major",
            components=statuses, updates=updates, file=f"incidents/{start:%Y-%m-%d}-synthetic-incident-{n}.md",
        ))
    items.sort(key=lambda i: (i.created_at, i.slug), reverse=True)
    return Bundle(site=SiteSettings(name="Bench Co", url="https://status.bench.test"),
                  checker=CheckerSettings(), components=comps, incidents=items)


def synthetic_summary(component_ids: list[str], *, now: datetime = NOW, seed: int = 2,
                      no_data_days: dict[str, int] | None = None) -> dict[str, Any]:
    """A summary.json document: 90 days of bars and latency per component, with some outages.

    `no_data_days` gives components whose first days (of the 90) have no data."""
    rng = random.Random(seed)
    today = now.date()
    out = []
    for cid in component_ids:
        missing = (no_data_days or {}).get(cid, 0)
        bars, latency, monthly = [], [], {}
        p50 = rng.uniform(60, 180)
        for index in range(90):
            day = today - timedelta(days=89 - index)
            if index < missing:
                bars.append({"date": day.isoformat(), "uptime": None, "no_data_seconds": 86400.0,
                             "worst_status": None, "outage_seconds": 0.0})
                latency.append({"date": day.isoformat(), "p50_ms": None, "p95_ms": None})
                continue
            roll = rng.random()
            status, outage = "operational", 0.0
            if roll < 0.04:
                status, outage = "major_outage", rng.uniform(300, 5400)
            elif roll < 0.08:
                status, outage = "partial_outage", rng.uniform(600, 7200)
            elif roll < 0.12:
                status = "degraded_performance"
            weight = 1.0 if status == "major_outage" else 0.3
            uptime = 1 - weight * outage / 86400
            bars.append({"date": day.isoformat(), "uptime": uptime, "no_data_seconds": 0.0,
                         "worst_status": status, "outage_seconds": outage})
            p50 = max(20.0, p50 + rng.uniform(-15, 15))
            latency.append({"date": day.isoformat(), "p50_ms": round(p50, 1),
                            "p95_ms": round(p50 * rng.uniform(1.8, 3.0), 1)})
        known = [b for b in bars if b["uptime"] is not None]

        def figure(days: list[dict[str, Any]], total_days: int) -> dict[str, Any]:
            observed = 86400.0 * len(days)
            down = sum((1.0 if b["worst_status"] == "major_outage" else 0.3) * b["outage_seconds"]
                       for b in days)
            return {"uptime": 1 - down / observed if observed else None,
                    "observed_seconds": observed, "downtime_seconds": down,
                    "no_data_seconds": 86400.0 * (total_days - len(days))}

        windows = {w: figure([b for b in known if date.fromisoformat(b["date"]) > today - timedelta(days=d)], d)
                   for w, d in (("24h", 1), ("7d", 7), ("30d", 30), ("90d", 90))}
        for b in known:
            monthly.setdefault(b["date"][:7], []).append(b)
        ps = [d["p50_ms"] for d in latency if d["p50_ms"] is not None]
        lat = {w: {"p50_ms": statistics.median(ps[-d:]) if ps else None,
                   "p95_ms": max(ps[-d:]) * 2 if ps else None, "p99_ms": max(ps[-d:]) * 3 if ps else None,
                   "samples": min(d, len(ps)) * 1440}
               for w, d in (("24h", 1), ("7d", 7), ("30d", 30), ("90d", 90))}
        out.append({
            "id": cid, "status": "operational",
            "status_since": (now - timedelta(days=3)).isoformat(),
            "last_checked_at": (now - timedelta(seconds=30)).isoformat(),
            "last_latency_ms": ps[-1] if ps else None, "last_reason": None,
            "uptime": windows,
            "monthly": {k: figure(v, len(v)) for k, v in monthly.items()},
            "bars": bars, "latency": lat, "latency_daily": latency,
        })
    return {"format": 1, "generated_at": (now - timedelta(seconds=30)).isoformat(),
            "interval": 60.0, "components": out}


# --- measurements ------------------------------------------------------------------------------


def _one_build(incidents: int, out: Path) -> None:
    """Child process: one full build; prints seconds and peak RSS in MB as JSON."""
    from site_builder.build import build_site

    bundle = synthetic_bundle(incidents)
    summary = Summary.model_validate(synthetic_summary([c.id for c in bundle.components]))
    started = time.perf_counter()
    build_site(bundle, summary, out, now=NOW, cache=out.parent / f"{out.name}-cache.json")
    seconds = time.perf_counter() - started
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "rss_mb": rss_mb}))


def full_builds(incidents: int, repeat: int) -> tuple[float, float]:
    times, rss = [], []
    # The built folders are deleted after the last run, and pending writes flushed before each:
    # deleting a previous build's thousands of files, or writing back its data, while a build runs
    # made its file system calls several times slower, and that is not the build's own cost.
    with tempfile.TemporaryDirectory() as folder:
        for run in range(repeat):
            os.sync()
            result = subprocess.run(
                [sys.executable, __file__, "--child", str(incidents), str(Path(folder) / f"site-{run}")],
                check=True, capture_output=True, text=True,
            )
            data = json.loads(result.stdout.strip().splitlines()[-1])
            times.append(data["seconds"])
            rss.append(data["rss_mb"])
    return statistics.median(times), statistics.median(rss)


def noop_rebuilds(incidents: int, repeat: int) -> tuple[float, int, int]:
    """Median seconds of rebuild + folder publish with nothing changed; files written and uploaded."""
    return _rebuilds(incidents, repeat, edit=False)


def edit_rebuilds(incidents: int, repeat: int) -> tuple[float, int, int]:
    """Median seconds of rebuild + folder publish after one incident's title changed; files
    written and uploaded (the incident's page and API file, the lists and feeds that show it)."""
    return _rebuilds(incidents, repeat, edit=True)


def _rebuilds(incidents: int, repeat: int, *, edit: bool) -> tuple[float, int, int]:
    """Rebuild + folder publish `repeat` times after a first full one (with `edit`, another
    incident's title changed before each); median seconds, most files written and uploaded."""
    from site_builder.build import build_site
    from site_builder.publish import publish

    bundle = synthetic_bundle(incidents)
    summary = Summary.model_validate(synthetic_summary([c.id for c in bundle.components]))
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        out, cache = base / "site", base / "cache.json"
        build_site(bundle, summary, out, now=NOW, cache=cache)
        publish(out, "public", base=base)
        times, written, uploaded = [], 0, 0
        for attempt in range(repeat):
            if edit:
                edited = list(bundle.incidents)
                edited[attempt] = edited[attempt].model_copy(update={"title": f"Edited title {attempt}"})
                bundle = bundle.model_copy(update={"incidents": edited})
            started = time.perf_counter()
            report = build_site(bundle, summary, out, now=NOW, cache=cache)
            published = publish(out, "public", base=base)
            times.append(time.perf_counter() - started)
            written = max(written, len(report.written))
            uploaded = max(uploaded, len(published.uploaded))
    return statistics.median(times), written, uploaded


def index_size() -> tuple[int, int]:
    """Gzipped bytes of index.html and of the stylesheet, for 20 components with 90 days of data."""
    from site_builder.build import build_site

    bundle = synthetic_bundle(200)
    summary = Summary.model_validate(synthetic_summary([c.id for c in bundle.components]))
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        build_site(bundle, summary, out, now=NOW)
        css = next(out.glob("assets/style.*.css"))
        return (len(gzip.compress((out / "index.html").read_bytes(), 9)),
                len(gzip.compress(css.read_bytes(), 9)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _one_build(int(args.child[0]), Path(args.child[1]))
        return
    for size in args.sizes:
        seconds, rss = full_builds(size, args.repeat)
        print(f"full build, {size} incidents: median {seconds:.2f} s, peak RSS {rss:.0f} MB")
    for size in args.sizes:
        seconds, written, uploaded = noop_rebuilds(size, args.repeat)
        print(f"no-op rebuild + folder publish, {size} incidents: median {seconds:.3f} s, "
              f"{written} files written, {uploaded} uploaded")
    for size in args.sizes:
        seconds, written, uploaded = edit_rebuilds(size, args.repeat)
        print(f"one incident edited, rebuild + folder publish, {size} incidents: median {seconds:.3f} s, "
              f"{written} files written, {uploaded} uploaded")
    html, css = index_size()
    print(f"index.html + CSS gzipped, {COMPONENTS} components: {html + css} bytes "
          f"({html} + {css}); target 30720")


if __name__ == "__main__":
    main()
