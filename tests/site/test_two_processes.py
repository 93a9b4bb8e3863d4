"""Work shared with a forked child: results in order whoever did an item, the child's share done
here when it fails, a child stopped and waited for when this process fails, and a child killed by
the kernel when this process is killed. Publishing a large site to a folder goes through it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from site_builder.outputs import Deferred
from site_builder.outputs.render_share import _work_order
from site_builder.publish.manifest import read_live_site
from site_builder.publish.targets import FolderTarget

two_cores = pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="a second core is needed")


def run(program: str, *args: str, check: bool = True, capture: bool = True) -> subprocess.CompletedProcess[str]:
    """`program` in a process of its own: threads left by other tests would rightly keep this one
    from forking. Without `capture`, its output is dropped, so that a child it leaves holds no pipe
    that this process would wait on."""
    output = subprocess.PIPE if capture else subprocess.DEVNULL
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(program), *args], stdout=output, stderr=output, text=True, check=check
    )


@two_cores
def test_results_come_back_in_order_whoever_did_each_item() -> None:
    result = run("""
        import json, os
        from site_builder.builder.two_processes import in_two_processes
        items = list(range(500))
        mask = [n % 3 == 0 for n in items]  # the child does every third
        done = in_two_processes(items, lambda n, who: (n * n, who, os.getpid()), min_items=10, child_does=mask)
        print(json.dumps({"done": done, "me": os.getpid()}))
    """)
    answer = json.loads(result.stdout)
    assert [square for square, _, _ in answer["done"]] == [n * n for n in range(500)]
    assert [who == 1 for _, who, _ in answer["done"]] == [n % 3 == 0 for n in range(500)]
    assert {pid for _, who, pid in answer["done"] if who == 0} == {answer["me"]}
    assert answer["me"] not in {pid for _, who, pid in answer["done"] if who == 1}


@two_cores
def test_what_the_child_could_not_do_is_done_here() -> None:
    result = run("""
        import json, os
        from site_builder.builder.two_processes import in_two_processes
        me = os.getpid()
        def work(n, who):
            if os.getpid() != me and n == 301:
                raise MemoryError("the child ran out")
            return n, os.getpid() == me
        print(json.dumps(in_two_processes(list(range(400)), work, min_items=10)))
    """)
    done = json.loads(result.stdout)
    assert [n for n, _ in done] == list(range(400))
    # the child did its share up to item 301; this process did 301 and every odd item after it
    assert [n for n, here in done if not here] == list(range(1, 301, 2))


def with_a_slow_child(log: Path, failure: str, *, capture: bool = True) -> subprocess.CompletedProcess[str]:
    """Share 2,000 items with a child that notes each of its items in `log` and takes 50 ms over
    each (50 s for its share); this process meets `failure`, a statement, at its 21st item, once
    the child is at work."""
    program = f"""
        import os, signal, sys, time
        from site_builder.builder.two_processes import in_two_processes
        me, log = os.getpid(), sys.argv[1]
        def work(n, who):
            if os.getpid() == me:
                if n == 40:
                    while not os.path.exists(log):  # the child is at work
                        time.sleep(0.01)
                    {failure}
                return n
            with open(log, "a") as out:
                out.write(f"{{os.getpid()}} {{n}}\\n")
            time.sleep(0.05)
            return n
        try:
            in_two_processes(list(range(2000)), work, min_items=10)
        except LookupError as error:
            print("raised:", error)
    """
    return run(program, str(log), check=False, capture=capture)


@two_cores
def test_a_failure_here_stops_the_child_after_its_current_item_and_waits_for_it(tmp_path: Path) -> None:
    log = tmp_path / "child.log"
    result = with_a_slow_child(log, """raise LookupError("template 'missing.html' not found")""")
    assert result.stdout == "raised: template 'missing.html' not found\n", result.stderr
    lines = log.read_text().splitlines()
    assert 0 < len(lines) < 1000  # stopped before the end of its share
    child = int(lines[0].split()[0])
    with pytest.raises(ProcessLookupError):  # exited and waited for: no process left behind
        os.kill(child, 0)
    assert log.read_text().splitlines() == lines


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@two_cores
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the kernel's parent-death signal is Linux's")
def test_a_killed_process_takes_its_child_with_it(tmp_path: Path) -> None:
    log = tmp_path / "child.log"
    # Killed outright, no cleanup runs here; its output dropped, so no pipe waits for the child.
    result = with_a_slow_child(log, "os.kill(me, signal.SIGKILL)", capture=False)
    assert result.returncode == -9
    child = int(log.read_text().split()[0])
    deadline = time.monotonic() + 30
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child), "the child went on after its parent was killed"


def test_the_files_of_one_incident_are_rendered_one_after_the_other_by_one_process() -> None:
    def item(path: str, shows: str | None = None) -> Deferred:
        return Deferred(path, None, bytes, shows)

    items = [
        item("assets/style.css"),
        item("assets/status.js"),
        *(item(f"api/v2/incidents/{n}.json", f"incident-{n}") for n in range(6)),
        item("index.html"),
        *(item(f"incidents/incident-{n}/index.html", f"incident-{n}") for n in range(6)),
        *(item(f"fr/incidents/incident-{n}/index.html", f"incident-{n}") for n in range(6)),
    ]
    order, child_does = _work_order(items)
    assert sorted(order) == list(range(len(items)))
    ordered = [items[number] for number in order]
    for n in range(6):
        shown = [number for number, item in enumerate(ordered) if item.shows == f"incident-{n}"]
        assert shown == list(range(shown[0], shown[0] + 3))  # next to each other
        assert len({child_does[number] for number in shown}) == 1  # by one process
    first = {item.shows: child for item, child in zip(ordered, child_does, strict=True)}
    assert [first[f"incident-{n}"] for n in range(6)] == [False, True] * 3  # incidents in turn
    alone = [child for item, child in zip(ordered, child_does, strict=True) if item.shows is None]
    assert alone == [False, True, False]  # so are files that show no incident


@two_cores
def test_a_large_site_published_to_a_folder_is_written_whole_by_two_processes(tmp_path: Path) -> None:
    out = tmp_path / "public"
    result = run(
        """
        import json, os, sys
        from pathlib import Path
        from site_builder.publish.manifest import read_live_site
        from site_builder.publish.publisher import publish_files
        from site_builder.publish.targets import FolderTarget
        import checker.atomic_file as atomic_file
        import hashlib
        out = Path(sys.argv[1])
        files = {f"incidents/incident-{n}/index.html": f"<p>incident {n}</p>".encode() for n in range(600)}
        files["index.html"] = b"<p>the page</p>"
        me, writers = os.getpid(), os.pipe()
        real_create = atomic_file._create
        def create(temporary, mode):  # which process wrote each file
            os.write(writers[1], f"{os.getpid()}\\n".encode())
            return real_create(temporary, mode)
        atomic_file._create = create
        target = FolderTarget(out, "./public")
        site = {path: (hashlib.sha256(data).hexdigest(), len(data)) for path, data in files.items()}
        report = publish_files(target, site, lambda path: files[path], read_live_site(target))
        os.close(writers[1])
        pids = set(os.read(writers[0], 1 << 20).decode().split())
        print(json.dumps({"written": len(report.uploaded), "writers": len(pids)}))
        """,
        str(out),
    )
    answer = json.loads(result.stdout)
    assert answer == {"written": 601, "writers": 2}
    for n in range(600):
        assert (out / f"incidents/incident-{n}/index.html").read_text() == f"<p>incident {n}</p>"
    assert (out / "index.html").read_text() == "<p>the page</p>"
    assert not [path for path in out.rglob("*") if path.name.endswith(".tmp")]
    live = read_live_site(FolderTarget(out, "./public"))  # the manifest names every file, none pending
    assert set(live.files) == live.owned == {"index.html", *(f"incidents/incident-{n}/index.html" for n in range(600))}
