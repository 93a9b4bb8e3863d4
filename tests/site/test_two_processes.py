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
from datetime import UTC, datetime
from pathlib import Path

import pytest

from checker.summary import Summary
from site_builder.builder.site import _plan
from site_builder.content.site import compile_bundle
from site_builder.outputs import Deferred
from site_builder.outputs.render_share import _work_order
from site_builder.publish.manifest import read_live_site
from site_builder.publish.targets import FolderTarget
from tests.helpers import REPO_ROOT

API_FIXTURES = Path(__file__).parent.parent / "fixtures" / "api"
API_LISTS = {
    f"api/v2/{name}.json"
    for name in (
        "summary",
        "status",
        "components",
        "incidents",
        "incidents/unresolved",
        "scheduled-maintenances",
        "scheduled-maintenances/upcoming",
        "scheduled-maintenances/active",
    )
}
two_cores = pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="a second core is needed")


def run(program: str, *args: str, check: bool = True, capture: bool = True) -> subprocess.CompletedProcess[str]:
    """`program` in a process of its own: threads left by other tests would rightly keep this one
    from forking. Without `capture`, its output is dropped, so that a child it leaves holds no pipe
    that this process would wait on."""
    output = subprocess.PIPE if capture else subprocess.DEVNULL
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(program), *args],
        stdout=output,
        stderr=output,
        text=True,
        check=check,
        cwd=REPO_ROOT,  # its programs import `tests.site.child_at_work`
    )


@two_cores
def test_results_come_back_in_order_each_item_done_once_by_one_of_two_processes() -> None:
    result = run("""
        import json, os, tempfile
        from site_builder.builder.two_processes import in_two_processes
        from tests.site.child_at_work import child_at_work
        me, log = os.getpid(), tempfile.mkstemp()[1]
        def work(n, who):
            child_at_work()
            with open(log, "a") as out:  # each doing of an item, from either process
                out.write(f"{n} ")
            return n * n, who, os.getpid()
        done = in_two_processes(list(range(3000)), work, min_items=10)
        with open(log) as logged:
            print(json.dumps({"done": done, "me": me, "log": logged.read().split()}))
        os.remove(log)
    """)
    answer = json.loads(result.stdout)
    assert [square for square, _, _ in answer["done"]] == [n * n for n in range(3000)]
    assert sorted(map(int, answer["log"])) == list(range(3000))  # none done twice
    here = {pid for _, who, pid in answer["done"] if who == 0}
    there = {pid for _, who, pid in answer["done"] if who == 1}
    assert here == {answer["me"]}
    assert len(there) == 1 and answer["me"] not in there


@two_cores
def test_this_process_does_its_own_work_first_while_the_child_makes_a_start() -> None:
    # `here_first` returns only once the child has done 100 items (or after a minute, to fail
    # rather than hang): it runs in this process, after the child started and before this one
    # claims anything.
    result = run("""
        import json, os, select
        from site_builder.builder.two_processes import in_two_processes
        me, done_there, calls = os.getpid(), os.pipe(), []
        def work(n, who):
            if os.getpid() != me:
                os.write(done_there[1], b".")
            return os.getpid()
        def here_first():
            seen = 0
            while seen < 100 and select.select([done_there[0]], [], [], 60)[0]:
                seen += len(os.read(done_there[0], 100 - seen))
            calls.append((os.getpid(), seen))
        shared = in_two_processes(list(range(500)), work, min_items=10, here_first=here_first)
        alone = in_two_processes(list(range(5)), work, min_items=10, here_first=here_first)
        print(json.dumps({"me": me, "calls": calls, "shared": shared, "alone": alone}))
    """)
    answer = json.loads(result.stdout)
    assert answer["calls"] == [[answer["me"], 100]]  # once, here, with the child at work; not when alone
    assert sum(pid != answer["me"] for pid in answer["shared"]) >= 100
    assert answer["alone"] == [answer["me"]] * 5


@two_cores
def test_a_process_held_up_leaves_the_rest_to_the_other() -> None:
    # The first item this process claims waits until the child has done every other item: with
    # shares fixed in advance, the child would stop at its half and both would wait for ever.
    result = run("""
        import json, os
        from site_builder.builder.two_processes import in_two_processes
        me, count = os.getpid(), os.pipe()
        def work(n, who):
            if os.getpid() == me:
                seen = 0
                while seen < 499:
                    seen += len(os.read(count[0], 499 - seen))
            else:
                os.write(count[1], b".")
            return os.getpid() == me
        print(json.dumps(in_two_processes(list(range(500)), work, min_items=10)))
    """)
    assert sum(json.loads(result.stdout)) == 1


@two_cores
def test_joined_items_are_done_by_one_process() -> None:
    result = run("""
        import json
        from site_builder.builder.two_processes import in_two_processes
        from tests.site.child_at_work import child_at_work
        def work(n, who):
            child_at_work()
            return who
        joined = [n % 3 != 0 for n in range(1500)]  # runs of three
        print(json.dumps(in_two_processes(list(range(1500)), work, min_items=10, joined=joined)))
    """)
    done = json.loads(result.stdout)
    assert all(len(set(done[start : start + 3])) == 1 for start in range(0, 1500, 3))
    assert set(done) == {0, 1}


@two_cores
def test_what_the_child_could_not_do_is_done_here() -> None:
    # The child does one item, then fails at the next it claims; this process waits for that one
    # before its first, and nothing else waits on anything.
    result = run("""
        import json, os
        from site_builder.builder.two_processes import in_two_processes
        from tests.site.child_at_work import child_at_work
        me, log, done_there = os.getpid(), os.pipe(), []
        def work(n, who):
            if os.getpid() != me:
                if done_there:
                    raise MemoryError("the child ran out")
                done_there.append(n)
            child_at_work()
            os.write(log[1], f"{n} ".encode())
            return n, os.getpid() == me
        done = in_two_processes(list(range(400)), work, min_items=10)
        os.close(log[1])
        print(json.dumps({"done": done, "log": os.read(log[0], 1 << 20).decode().split()}))
    """)
    answer = json.loads(result.stdout)
    assert [n for n, _ in answer["done"]] == list(range(400))
    assert sorted(map(int, answer["log"])) == list(range(400))  # each done once, here or there
    assert sum(not here for _, here in answer["done"]) == 1  # the child's one; the rest, its failure too, here


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
    def item(path: str, shares: str | None = None) -> Deferred:
        return Deferred(path, None, bytes, shares)

    items = [
        item("assets/style.css"),
        item("assets/status.js"),
        *(item(f"api/v2/incidents/{n}.json", f"incident-{n}") for n in range(6)),
        item("index.html"),
        *(item(f"incidents/incident-{n}/index.html", f"incident-{n}") for n in range(6)),
        *(item(f"fr/incidents/incident-{n}/index.html", f"incident-{n}") for n in range(6)),
    ]
    order, joined = _work_order(items)
    assert sorted(order) == list(range(len(items)))
    ordered = [items[number] for number in order]
    for n in range(6):
        shown = [number for number, item in enumerate(ordered) if item.shares == f"incident-{n}"]
        assert shown == list(range(shown[0], shown[0] + 3))  # next to each other
        assert [joined[number] for number in shown] == [False, True, True]  # claimed together
    assert not any(joined for item, joined in zip(ordered, joined, strict=True) if item.shares is None)


def test_the_files_that_share_their_making_are_rendered_one_after_the_other_by_one_process() -> None:
    """In a build's own plan: the feeds (which share each incident's entry and feedgen), the API's
    lists (the components' and incidents' models) and its uptime files (each component's figures)
    are each claimed as one run."""
    bundle = compile_bundle(API_FIXTURES / "site")
    summary = Summary.model_validate_json((API_FIXTURES / "summary.json").read_bytes())
    items, _ = _plan(bundle, summary, now=datetime(2026, 11, 22, 12, tzinfo=UTC), theme=None)
    order, joined = _work_order(items)
    paths = [items[number].path for number in order]
    groups = {
        "feeds": lambda path: path.endswith((".rss", ".atom")),
        "lists": lambda path: path in API_LISTS,
        "uptime": lambda path: path == "api/uptime.json" or path.startswith("api/components/"),
    }
    for name, member in groups.items():
        places = [place for place, path in enumerate(paths) if member(path)]
        assert len(places) > 2, name
        assert places == list(range(places[0], places[0] + len(places))), f"{name}: not next to each other"
        assert [joined[place] for place in places] == [False] + [True] * (len(places) - 1), f"{name}: not one run"


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
        from tests.site.child_at_work import child_at_work
        out = Path(sys.argv[1])
        files = {f"incidents/incident-{n}/index.html": f"<p>incident {n}</p>".encode() for n in range(600)}
        files["index.html"] = b"<p>the page</p>"
        writers = os.pipe()
        real_create = atomic_file._create
        def create(temporary, mode):  # which process wrote each file
            os.write(writers[1], f"{os.getpid()}\\n".encode())
            if "incident-" in str(temporary):  # this process's first page waits for one of the child's
                child_at_work()
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


@two_cores
def test_work_done_meanwhile_comes_back_from_a_child() -> None:
    result = run("""
        import json, os
        from site_builder.builder.two_processes import meanwhile
        with meanwhile(lambda: {"by": os.getpid()}) as first, meanwhile(lambda: 1 / 0) as failed:
            mine = os.getpid()
            print(json.dumps({"me": mine, "first": first(), "again": first(), "failed": failed()}))
    """)
    answer = json.loads(result.stdout)
    assert answer["first"] == answer["again"]
    assert answer["first"]["by"] != answer["me"]
    assert answer["failed"] is None  # the caller does the work itself, and meets its error


@two_cores
def test_a_child_not_waited_for_is_stopped_when_its_block_ends(tmp_path: Path) -> None:
    log = tmp_path / "child.log"
    result = run(
        """
        import os, sys, time
        from site_builder.builder.two_processes import meanwhile
        def work():
            with open(sys.argv[1], "w") as out:
                out.write(str(os.getpid()))
            time.sleep(60)
        with meanwhile(work):
            while not os.path.exists(sys.argv[1]) or not open(sys.argv[1]).read():
                time.sleep(0.01)
        print(open(sys.argv[1]).read())
        """,
        str(log),
    )
    child = int(result.stdout)
    with pytest.raises(ProcessLookupError):  # stopped and waited for: no process left behind
        os.kill(child, 0)
