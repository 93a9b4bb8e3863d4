"""Benchmark of the commands a user waits for, run as they run them: `statusgen validate` and
`statusgen build` started as separate processes on a site written to disk (N incidents of 4
updates each over 3 years, 20 components, 90 days of checker data in the store).

    python bench/build_corpus.py 1000 10000       # sizes to measure (default: 1000 10000)
    python bench/build_corpus.py --hostile        # 1 MB pathological incident files
    python bench/build_corpus.py --many 50000     # one build and one validate of 50,000 files
    python bench/build_corpus.py 1000 --cstate ~/src/cstate   # and against Hugo with cState

For each size it prints medians over --repeat runs of wall time, CPU time (user + system, and the
system part alone) and peak RSS of: `validate`; a cold `build` (no `.statusgen/`, empty publish
folder); a no-op rebuild; a rebuild after one incident file was edited. Every result is checked
before it is counted: the build wrote a page and an API file for every incident, the no-op wrote
nothing (no file of the publish folder or of `.statusgen/` was created, replaced, changed or
removed, and the command said so), the edit wrote the edited text. `--hostile` builds a site
holding one 1 MB incident file of each kind (nested brackets, emphasis runs, nested quotes and
lists, a long table, HTML soup) and times `validate` and a cold `build` of each. `--cstate` also
writes each size's incidents as a cState site (see `cstate_anchor`) and times cold builds of it by
`hugo` alternately with cold statusgen builds, checking that each wrote a page per incident. The
gzipped size of index.html plus its stylesheet is printed last.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import cstate_anchor  # bench/: the same incidents as a cState site
import installed  # bench/: how the timed commands run

ROOT = Path(__file__).resolve().parent.parent
COMPONENTS = 20
GROUPS = ("Core", "Data", "Billing", "Edge")
_STATUSES = ("degraded_performance", "partial_outage", "major_outage")
MAX_FILE_BYTES = 1_000_000


# --- the site on disk ---------------------------------------------------------------------------


def write_site(folder: Path, incidents: int, *, now: datetime, seed: int = 1, subscribers: bool = False) -> Path:
    """A site at `folder`: statuspage.yaml, `incidents` incident files, a store with summary.json."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    ids = [f"service-{n:02d}" for n in range(COMPONENTS)]
    lines = [
        "site:",
        "  name: Bench Co",
        "  url: https://status.bench.test",
        "store: ./data",
        "publish: ./public",
        "components:",
    ]
    for n, cid in enumerate(ids):
        lines += [
            f"  - id: {cid}",
            f"    name: Service {n:02d}",
            f"    group: {GROUPS[n % len(GROUPS)]}",
            f"    description: Synthetic component number {n}",
            f'    check: {{type: http, url: "http://127.0.0.1:9/{n}"}}',
        ]
    if subscribers:
        lines += ["subscribers:", f'  token_secret: "{"s" * 40}"', "  email:", "    outbox: ./outbox"]
    (folder / "statuspage.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "data").mkdir(exist_ok=True)
    (folder / "data" / "summary.json").write_text(json.dumps(synthetic_summary(ids, now=now)), encoding="utf-8")
    incident_folder = folder / "incidents"
    incident_folder.mkdir(exist_ok=True)
    span = 3 * 365 * 86400
    for n in range(incidents):
        start = now - timedelta(seconds=rng.randrange(3600, span))
        statuses = {cid: rng.choice(_STATUSES) for cid in rng.sample(ids, k=rng.randint(1, 3))}
        (incident_folder / f"{start:%Y-%m-%d}-synthetic-incident-{n}.md").write_text(
            incident_text(n, start, statuses, rng), encoding="utf-8"
        )
    return folder


def incident_text(n: int, start: datetime, statuses: dict[str, str], rng: random.Random) -> str:
    """One incident as an author writes it: front matter, then 4 updates with some Markdown."""
    steps = [
        ("investigating", 0),
        ("identified", rng.randint(5, 60)),
        ("monitoring", rng.randint(61, 120)),
        ("resolved", rng.randint(121, 300)),
    ]
    names = ", ".join(statuses)
    front = "\n".join(f"  {cid}: {status}" for cid, status in statuses.items())
    updates = []
    for status, minutes in reversed(steps):
        at = start + timedelta(minutes=minutes)
        updates.append(
            f"## {at:%Y-%m-%d %H:%M} UTC {status}\n"
            f"Update *{status}* for incident {n}: we are looking at **elevated error rates** on {names}.\n\n"
            f"- affected: `{names}`\n- next update in [30 minutes](https://status.bench.test/)\n"
        )
    return f"---\ntitle: Synthetic incident {n} on {names}\ncomponents:\n{front}\n---\n\n" + "\n".join(updates)


def synthetic_summary(component_ids: list[str], *, now: datetime, seed: int = 2) -> dict[str, Any]:
    """A summary.json document: 90 days of bars and latency per component, with some outages."""
    rng = random.Random(seed)
    today = now.date()
    out = []
    for cid in component_ids:
        bars, latency, monthly = [], [], {}
        p50 = rng.uniform(60, 180)
        for index in range(90):
            day = today - timedelta(days=89 - index)
            roll = rng.random()
            status, outage = "operational", 0.0
            if roll < 0.04:
                status, outage = "major_outage", rng.uniform(300, 5400)
            elif roll < 0.08:
                status, outage = "partial_outage", rng.uniform(600, 7200)
            elif roll < 0.12:
                status = "degraded_performance"
            weight = 1.0 if status == "major_outage" else 0.3
            bars.append(
                {
                    "date": day.isoformat(),
                    "uptime": 1 - weight * outage / 86400,
                    "no_data_seconds": 0.0,
                    "worst_status": status,
                    "outage_seconds": outage,
                }
            )
            p50 = max(20.0, p50 + rng.uniform(-15, 15))
            latency.append(
                {"date": day.isoformat(), "p50_ms": round(p50, 1), "p95_ms": round(p50 * rng.uniform(1.8, 3.0), 1)}
            )

        def figure(days: list[dict[str, Any]], total_days: int) -> dict[str, Any]:
            observed = 86400.0 * len(days)
            down = sum((1.0 if b["worst_status"] == "major_outage" else 0.3) * b["outage_seconds"] for b in days)
            return {
                "uptime": 1 - down / observed if observed else None,
                "observed_seconds": observed,
                "downtime_seconds": down,
                "no_data_seconds": 86400.0 * (total_days - len(days)),
            }

        windows = {
            w: figure([b for b in bars if date.fromisoformat(b["date"]) > today - timedelta(days=d)], d)
            for w, d in (("24h", 1), ("7d", 7), ("30d", 30), ("90d", 90))
        }
        for b in bars:
            monthly.setdefault(b["date"][:7], []).append(b)
        ps = [d["p50_ms"] for d in latency]
        lat = {
            w: {
                "p50_ms": statistics.median(ps[-d:]),
                "p95_ms": max(ps[-d:]) * 2,
                "p99_ms": max(ps[-d:]) * 3,
                "samples": d * 1440,
            }
            for w, d in (("24h", 1), ("7d", 7), ("30d", 30), ("90d", 90))
        }
        out.append(
            {
                "id": cid,
                "status": "operational",
                "status_since": (now - timedelta(days=3)).isoformat(),
                "last_checked_at": (now - timedelta(seconds=30)).isoformat(),
                "last_latency_ms": ps[-1],
                "last_reason": None,
                "uptime": windows,
                "monthly": {k: figure(v, len(v)) for k, v in monthly.items()},
                "bars": bars,
                "latency": lat,
                "latency_daily": latency,
            }
        )
    return {"format": 1, "generated_at": (now - timedelta(seconds=30)).isoformat(), "interval": 60.0, "components": out}


# --- hostile incident files (each just under the 1 MB limit) -----------------------------------


def _fill(unit: str, head: str = "", tail: str = "") -> str:
    count = (MAX_FILE_BYTES - 400 - len(head) - len(tail)) // len(unit.encode())
    return head + unit * count + tail


HOSTILE_BODIES = {
    "nested brackets": lambda: _fill("[", tail="x"),
    "link openers": lambda: _fill("[a]("),
    "emphasis runs": lambda: _fill("*a **"),
    "nested emphasis": lambda: _fill("*_", tail="x"),
    "nested quotes": lambda: _fill(">", tail=" x"),
    "nested lists": lambda: _fill("- ", tail="x"),
    "quotes and lists": lambda: _fill("> 1. ", tail="x"),
    "long table": lambda: _fill("| a | b |\n", head="| h | i |\n|---|---|\n"),
    "wide table": lambda: _fill("|a", head="", tail="\n" + "|-" * 1000 + "\n"),
    "html soup": lambda: _fill("<div><b><i><table><tr><td><p>"),
    "backticks": lambda: _fill("`", tail="x"),
    "underscores": lambda: _fill("_a"),
    "bare addresses": lambda: _fill("www.a_"),
}


def hostile_text(body: str) -> str:
    return (
        "---\ntitle: Hostile\ncomponents:\n  service-00: major_outage\n---\n\n"
        f"## 2026-11-22 14:05 UTC investigating\n{body}\n"
    )


# --- running the command ------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    system: float
    """The part of `cpu` spent in the kernel: on some disks, creating a site's thousands of files
    and folders costs several times what it costs on others, or on the same disk minutes after
    many files were removed (see `_fresh`)."""
    rss_mb: float
    stdout: str


def statusgen(*args: str, cwd: Path, ok: bool = True) -> Run:
    """Run `statusgen ARGS` in `cwd` as a separate process; its own wall, CPU and peak RSS."""
    return timed([sys.executable, "-c", "from site_builder.cli import run; run()", *args], cwd=cwd, ok=ok)


def timed(command: list[str], *, cwd: Path, ok: bool = True) -> Run:
    """Run `command` in `cwd`; its own wall, CPU (its children's included) and peak RSS.

    Pending writes (the files of the command before, an edited incident) are flushed first, so
    that their write-back is not timed as this command's cost (a one-edit rebuild of 1,000
    incidents took 0.97 s after unflushed builds, 0.85 s after flushed ones, in two runs of the
    benchmark)."""
    os.sync()
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=installed.ENVIRONMENT
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    stdout, stderr = process.stdout.read(), process.stderr.read()  # type: ignore[union-attr]
    process.returncode = os.waitstatus_to_exitcode(status)
    if ok and process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{stderr}{stdout}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_stime, usage.ru_maxrss / 1024, stdout + stderr)


def _fresh(site: Path, leftovers: tuple[str, ...] = (".statusgen", "public")) -> None:
    """Move what a previous build left (`.statusgen/`, the publish folder) out of the site. Moved,
    not removed: on ext4 without a journal, creating a file passes over every inode freed in the
    minutes before, so each cold build after removing the last one's 3,300 files and folders spent
    more time in the kernel than the one before (1.3, 2.0, 2.8, 3.1 s at 1,000 incidents, against
    0.4 s after a move). They are removed with the benchmark's folder at the end."""
    aside = site.parent / "set-aside"
    aside.mkdir(exist_ok=True)
    for leftover in (site / name for name in leftovers):
        if leftover.exists():
            leftover.rename(aside / f"{leftover.name}-{len(list(aside.iterdir()))}")


def _median(runs: list[Run]) -> str:
    wall, cpu = statistics.median(r.wall for r in runs), statistics.median(r.cpu for r in runs)
    system, rss = statistics.median(r.system for r in runs), statistics.median(r.rss_mb for r in runs)
    return (
        f"{wall:.2f} s wall, {cpu:.2f} s CPU ({system:.2f} s of it system), {rss:.0f} MB peak RSS "
        f"(median of {len(runs)})"
    )


def _check_built(site: Path, incidents: int) -> None:
    """The build published a page and an API file for every incident."""
    api_files = sum(1 for _ in (site / "public" / "api" / "v2" / "incidents").glob("*.json")) - 1  # unresolved.json
    pages = sum(1 for _ in (site / "public" / "incidents").glob("*/index.html"))
    assert api_files == pages == incidents, (api_files, pages, incidents)


def _published_nothing(stdout: str) -> bool:
    """True when the build's report says nothing was written or deleted (any wording: a full
    build's, or the one line of a build that found nothing changed since the last)."""
    return (
        re.search(r": 0 (?:uploaded|written),(?: \d+ unchanged,)? 0 deleted", stdout) is not None
        or re.fullmatch(r"nothing changed since the last build: [\d,]+ files published to \S+ unchanged\n", stdout)
        is not None
    )


def _files_under(*folders: Path) -> dict[str, tuple[int, int, int, int]]:
    """Every file and folder under `folders` with its inode, size and times: any write changes one."""
    found = {}
    for folder in folders:
        for path in [folder, *folder.rglob("*")]:
            info = path.lstat()
            found[str(path)] = (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
    return found


def measure_size(incidents: int, repeat: int, folder: Path) -> None:
    site = write_site(folder / f"site-{incidents}", incidents, now=datetime.now(UTC))
    validate = [statusgen("validate", cwd=site) for _ in range(repeat)]
    assert all(f"{incidents} incidents" in r.stdout for r in validate), validate[0].stdout
    print(f"{incidents} incidents: validate {_median(validate)}")
    cold = []
    for _ in range(repeat):
        _fresh(site)
        cold.append(statusgen("build", "--no-notify", cwd=site))
        _check_built(site, incidents)
    print(f"{incidents} incidents: cold build {_median(cold)}")
    noop = []
    for _ in range(repeat):
        before = _files_under(site / "public", site / ".statusgen")
        noop.append(statusgen("build", "--no-notify", cwd=site))
        assert _published_nothing(noop[-1].stdout), noop[-1].stdout
        assert _files_under(site / "public", site / ".statusgen") == before, "the no-op rebuild wrote something"
    recognised = sum(1 for r in noop if r.stdout.startswith("nothing changed"))
    print(
        f"{incidents} incidents: no-op rebuild + publish {_median(noop)}; {recognised} of {len(noop)} "
        "recognised unchanged without building"
    )
    edited = []
    files = sorted((site / "incidents").glob("*.md"))
    for attempt in range(repeat):
        path = files[attempt]
        marker = f"Edited for the benchmark, round {attempt}."
        # appended to the file's last update, as a correction to its text would be
        path.write_text(path.read_text(encoding="utf-8") + f"\n{marker}\n", encoding="utf-8")
        edited.append(statusgen("build", "--no-notify", cwd=site))
        page = site / "public" / "incidents" / path.stem / "index.html"
        assert marker in page.read_text(encoding="utf-8"), f"{page} does not show the edit"
    print(
        f"{incidents} incidents: one incident edited, rebuild + publish {_median(edited)}; "
        f"last said: {edited[-1].stdout.strip().splitlines()[0]}"
    )


def measure_hostile(folder: Path, repeat: int) -> None:
    for name, body in HOSTILE_BODIES.items():
        site = write_site(folder / f"hostile-{name.replace(' ', '-')}", 0, now=datetime.now(UTC))
        text = hostile_text(body())
        assert len(text.encode()) <= MAX_FILE_BYTES, (name, len(text.encode()))
        (site / "incidents" / "2026-11-22-hostile.md").write_text(text, encoding="utf-8")
        validate = [statusgen("validate", cwd=site) for _ in range(repeat)]
        builds = []
        for _ in range(repeat):
            _fresh(site)
            builds.append(statusgen("build", "--no-notify", cwd=site))
            assert (site / "public" / "incidents" / "2026-11-22-hostile" / "index.html").is_file()
        print(
            f"hostile {name} ({len(text.encode()) // 1000} kB): validate {_median(validate)}; "
            f"cold build {_median(builds)}"
        )


def measure_many(count: int, folder: Path) -> None:
    site = write_site(folder / f"many-{count}", count, now=datetime.now(UTC))
    validate = statusgen("validate", cwd=site)
    assert f"{count} incidents" in validate.stdout, validate.stdout
    print(f"{count} incident files: validate {_median([validate])}")
    _fresh(site)
    build = statusgen("build", "--no-notify", cwd=site)
    _check_built(site, count)
    print(f"{count} incident files: cold build {_median([build])}")


def measure_against_cstate(incidents: int, repeat: int, folder: Path, theme: Path) -> None:
    """Cold builds of the same incidents by `statusgen build` and by Hugo with cState (see
    `cstate_anchor`), alternately, each in a fresh output folder; their medians and ratios."""
    site = write_site(folder / f"anchor-{incidents}", incidents, now=datetime.now(UTC))
    hugo_site = folder / f"cstate-{incidents}"
    assert cstate_anchor.write_cstate_site(site, hugo_site, theme) == incidents
    ours: list[Run] = []
    theirs: list[Run] = []

    def build_ours() -> None:
        _fresh(site)
        ours.append(statusgen("build", "--no-notify", cwd=site))
        _check_built(site, incidents)

    def build_theirs() -> None:
        _fresh(hugo_site, ("public", "resources"))
        theirs.append(timed(["hugo", "--quiet"], cwd=hugo_site))
        assert cstate_anchor.built_issue_pages(hugo_site) == incidents, cstate_anchor.built_issue_pages(hugo_site)

    # Each going first every other round: neither is always the one that runs right after the
    # other's build (Hugo keeps both cores busy for seconds).
    for turn in range(repeat):
        for build in (build_ours, build_theirs) if turn % 2 == 0 else (build_theirs, build_ours):
            build()
    print(f"{incidents} incidents: cold statusgen build {_median(ours)}")
    print(f"{incidents} incidents: cold Hugo build with cState {_median(theirs)}")
    wall, cpu = (statistics.median(getattr(r, part) for r in ours) for part in ("wall", "cpu"))
    their_wall, their_cpu = (statistics.median(getattr(r, part) for r in theirs) for part in ("wall", "cpu"))
    print(
        f"{incidents} incidents: statusgen / cState: {wall / their_wall:.3f} of the wall time, "
        f"{cpu / their_cpu:.3f} of the CPU time"
    )


def index_size(folder: Path) -> tuple[int, int]:
    """Gzipped bytes of index.html and of the stylesheet, for 20 components with 90 days of data."""
    site = write_site(folder / "index-size", 200, now=datetime.now(UTC))
    statusgen("build", "--no-notify", cwd=site)
    out = site / "public"
    css = next(out.glob("assets/style.*.css"))
    return len(gzip.compress((out / "index.html").read_bytes(), 9)), len(gzip.compress(css.read_bytes(), 9))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", nargs="*", type=int)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--hostile", action="store_true", help="time 1 MB pathological incident files")
    parser.add_argument("--many", type=int, help="time one validate and one build of this many files")
    parser.add_argument(
        "--cstate",
        type=Path,
        metavar="THEME",
        help="also build each size's incidents with Hugo and this cState checkout, alternately with statusgen",
    )
    args = parser.parse_args()
    if args.cstate and shutil.which("hugo") is None:
        raise SystemExit("--cstate runs hugo, which is not on the PATH (Debian: apt-get install hugo)")
    if args.cstate and not (args.cstate / "layouts").is_dir():
        raise SystemExit(f"{args.cstate}: not a cState checkout (it has no layouts/ folder)")
    sizes = args.sizes or ([] if args.hostile or args.many else [1000, 10000])
    installed.byte_compile()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for size in sizes:
            measure_size(size, args.repeat, folder)
            if args.cstate:
                measure_against_cstate(size, args.repeat, folder, args.cstate.resolve())
        if args.hostile:
            measure_hostile(folder, args.repeat)
        if args.many:
            measure_many(args.many, folder)
        if sizes:
            html, css = index_size(folder)
            print(
                f"index.html + CSS gzipped, {COMPONENTS} components: {html + css} bytes ({html} + {css}); target 30720"
            )


if __name__ == "__main__":
    main()
