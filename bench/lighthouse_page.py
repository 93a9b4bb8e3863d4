"""Benchmark: Lighthouse (mobile) on the index page of a 20-component site with 90 days of data,
an open incident, maintenance in progress and maintenance upcoming (tests/site/bigsite.py).

Builds the site into a temporary folder, serves it on 127.0.0.1 the way a CDN would (gzip for
text, long cache for fingerprinted assets), runs Lighthouse in Debian's Chromium and prints the
score of every category, LCP, CLS and the page's weight. Exits non-zero when a target is missed
(1.0 in every category, LCP <= 1.0 s, CLS 0).

Lighthouse is not a dependency of statusgen; install it into a temporary folder first:

    npm install --prefix /tmp/lh lighthouse
    python bench/lighthouse_page.py [--lighthouse /tmp/lh/node_modules/.bin/lighthouse] [--runs 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "site"))

CHROMIUM = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run"
)
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
INSTALL = "npm install --prefix /tmp/lh lighthouse"
_TEXT = (".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".atom", ".rss", ".ics")


class _CdnLikeHandler(SimpleHTTPRequestHandler):
    """Static files with gzip for text and a year's cache for fingerprinted assets."""

    def send_head(self) -> Any:
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (path.is_file() and path.suffix in _TEXT and accepts):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), 6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        immutable = "/assets/" in self.path
        self.send_header("Cache-Control", "public, max-age=31536000, immutable" if immutable else "public, max-age=60")
        self.end_headers()
        self.wfile.write(body)
        return None

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def _lighthouse(binary: str, url: str, out: Path) -> dict[str, Any]:
    command = [
        binary,
        url,
        "--quiet",
        "--output=json",
        f"--output-path={out}",
        "--form-factor=mobile",
        f"--chrome-flags={CHROME_FLAGS}",
        "--only-categories=" + ",".join(CATEGORIES),
    ]
    subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": CHROMIUM}, stdout=subprocess.DEVNULL)
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lighthouse", default=shutil.which("lighthouse") or "/tmp/lh/node_modules/.bin/lighthouse")
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs; the median LCP run is reported")
    parser.add_argument("--keep", type=Path, help="also write each Lighthouse report (JSON) into this folder")
    args = parser.parse_args()
    if not Path(args.lighthouse).is_file():
        sys.exit(f"lighthouse not found at {args.lighthouse}; install it with: {INSTALL}")
    if not Path(CHROMIUM).is_file():
        sys.exit(f"chromium not found at {CHROMIUM}; set CHROME_PATH")

    from bigsite import build_big  # type: ignore[import-not-found,unused-ignore]

    with tempfile.TemporaryDirectory(prefix="statusgen-lh-") as tmp:
        site = Path(tmp) / "site"
        build_big(site)
        index = (site / "index.html").read_bytes()
        print(f"index.html: {len(index) / 1024:.1f} KB, {len(gzip.compress(index, 6)) / 1024:.1f} KB gzipped")
        server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_CdnLikeHandler, directory=str(site)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/index.html"
        runs = []
        try:
            for number in range(1, args.runs + 1):
                report = _lighthouse(args.lighthouse, url, Path(tmp) / f"lh-{number}.json")
                if args.keep:
                    args.keep.mkdir(parents=True, exist_ok=True)
                    shutil.copy(Path(tmp) / f"lh-{number}.json", args.keep / f"lh-{number}.json")
                audits = report["audits"]
                scores = {c: report["categories"][c]["score"] for c in CATEGORIES}
                lcp = audits["largest-contentful-paint"]["numericValue"] / 1000
                cls = audits["cumulative-layout-shift"]["numericValue"]
                dom = audits["dom-size"]["numericValue"] if "dom-size" in audits else None
                failing = sorted(
                    k
                    for k, a in audits.items()
                    if a.get("score") is not None
                    and a["score"] < 1
                    and a.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings")
                )
                runs.append((lcp, scores, cls, dom, failing))
                print(
                    f"run {number}: "
                    + " ".join(f"{c} {s:.2f}" for c, s in scores.items())
                    + f" LCP {lcp:.2f} s CLS {cls:.3f} DOM {dom}"
                )
                if failing:
                    print(f"  audits below 1: {', '.join(failing)}")
        finally:
            server.shutdown()
            server.server_close()
    runs.sort(key=lambda r: r[0])
    lcp, scores, cls, _, _ = runs[len(runs) // 2]
    worst = {c: min(r[1][c] for r in runs) for c in CATEGORIES}
    print("median run: " + " ".join(f"{c} {s:.2f}" for c, s in scores.items()) + f" LCP {lcp:.2f} s CLS {cls:.3f}")
    missed = [f"{c} {s:.2f} < 1.0" for c, s in worst.items() if s < 1.0]
    missed += [f"LCP {lcp:.2f} s > 1.0 s"] if lcp > 1.0 else []
    missed += [f"CLS {max(r[2] for r in runs):.3f} > 0"] if max(r[2] for r in runs) > 0 else []
    if missed:
        print("MISSED: " + "; ".join(missed))
        return 1
    print("all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
