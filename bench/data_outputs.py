"""Benchmark of the data outputs (JSON API, feeds, calendar, badges, metrics) and of publishing.

    python bench/data_outputs.py 1000 10000      # sizes to measure (default: 1000 10000)

Uses the synthetic site of bench/build_corpus.py (20 components, N incidents over 3 years, 90 days
of checker data). Prints medians over --repeat runs: render time of each data output, files
written; the same when nothing changed (planning, and rendering only the files without a cache
key, as a rebuild with a cache does); then publishing those files to a fresh folder, and again
with nothing changed (which must write nothing).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from build_corpus import NOW, synthetic_bundle, synthetic_summary  # noqa: E402

from checker.summary import Summary  # noqa: E402
from site_builder.outputs import DataPlan, data_outputs, data_plans  # noqa: E402
from site_builder.outputs.view import build_view  # noqa: E402
from site_builder.publish.publisher import publish  # noqa: E402


def median_seconds(action: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(incidents: int, repeat: int) -> None:
    bundle = synthetic_bundle(incidents)
    summary = Summary.model_validate(synthetic_summary([c.id for c in bundle.components]))
    view = build_view(bundle, summary, NOW)
    files: dict[str, bytes] = {}
    parts = []
    for name, render in data_outputs().items():
        seconds = median_seconds(lambda render=render: render(view), repeat)
        produced = render(view)
        files.update(produced)
        parts.append(f"{name} {seconds:.3f} s ({len(produced)} files)")
    print(f"{incidents} incidents, data outputs (median of {repeat}): " + ", ".join(parts))
    # What a rebuild with a cache pays when nothing changed: planning, and rendering only the
    # files without a cache key.
    parts = []
    for name, plan in data_plans().items():

        def planned(plan: DataPlan = plan) -> None:
            for item in plan(view):
                if item.key is None:
                    item.render()

        items = plan(view)
        keyed = sum(1 for item in items if item.key is not None)
        parts.append(f"{name} {median_seconds(planned, repeat):.3f} s ({keyed} of {len(items)} files keyed)")
    print(f"{incidents} incidents, data outputs when unchanged (median of {repeat}): " + ", ".join(parts))

    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        built = base / "build"
        for path, content in files.items():
            (built / path).parent.mkdir(parents=True, exist_ok=True)
            (built / path).write_bytes(content)
        start = time.perf_counter()
        first = publish(built, "public", base=base)
        first_seconds = time.perf_counter() - start
        noop = []
        uploaded = 0
        for _ in range(repeat):
            start = time.perf_counter()
            report = publish(built, "public", base=base)
            noop.append(time.perf_counter() - start)
            uploaded += len(report.uploaded)
        print(
            f"{incidents} incidents, folder publish of {len(files)} files: first {first_seconds:.3f} s "
            f"({len(first.uploaded)} written), no-op median {statistics.median(noop):.3f} s "
            f"({uploaded} written)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for size in args.sizes:
        measure(size, args.repeat)


if __name__ == "__main__":
    main()
