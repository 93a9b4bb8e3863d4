"""Rendering on two cores into the spool: the same bytes in the same order as rendering one file
after the other, and a file that cannot be rendered fails the build with its own error."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from site_builder.outputs import Deferred, Unplanned
from site_builder.outputs.render_share import MIN_FILES, Spool, render_all
from tests.helpers import REPO_ROOT

COUNT = MIN_FILES + 11

two_cores = pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="a second core is needed")


def render(items: list[Deferred]) -> list[bytes]:
    """The bytes of each item as the build gets them back: rendered, spooled and read."""
    with Spool.open() as spool:
        stored = [outcome.stored for outcome in render_all(items, spool, lambda _: False)]
        assert [s.size for s in stored] == [len(spool.read(s)) for s in stored]
        return [spool.read(s) for s in stored]


def numbered(count: int) -> list[Deferred]:
    return [Deferred(f"file-{n}.txt", None, lambda n=n: f"file {n}\n".encode() * (n % 7)) for n in range(count)]


def test_the_bytes_are_those_of_rendering_one_file_after_the_other() -> None:
    items = numbered(COUNT)
    assert render(items) == [item.render() for item in items]


@two_cores
def test_files_are_rendered_by_two_processes() -> None:
    # In a process of its own: threads left by other tests would rightly keep this one from forking.
    program = f"""
import os
from site_builder.outputs import Deferred
from site_builder.outputs.render_share import Spool, render_all
from tests.site.child_at_work import child_at_work
def render():
    child_at_work()
    return str(os.getpid()).encode()
items = [Deferred(f"file-{{n}}.txt", None, render) for n in range({COUNT})]
with Spool.open() as spool:
    rendered = [spool.read(s.stored).decode() for s in render_all(items, spool, lambda _: False)]
print(os.getpid(), *sorted(set(rendered)))
"""
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True, cwd=REPO_ROOT)
    parent, *renderers = result.stdout.split()
    assert len(renderers) == 2
    assert parent in renderers


@pytest.mark.parametrize("failing", [0, MIN_FILES // 2, COUNT - 1])  # whichever process claims it
def test_a_file_that_cannot_be_rendered_raises_its_own_error(failing: int) -> None:
    def broken() -> bytes:
        raise LookupError("template 'missing.html' not found")

    items = numbered(COUNT)
    items[failing] = Deferred("broken.html", None, broken)
    with pytest.raises(LookupError, match=r"missing\.html"):
        render(items)


def test_a_short_list_is_rendered_here() -> None:
    items = [Deferred(f"file-{n}.txt", None, lambda: str(os.getpid()).encode()) for n in range(MIN_FILES - 1)]
    assert set(render(items)) == {str(os.getpid()).encode()}


def test_an_unplanned_file_is_planned_when_rendered_and_not_rendered_when_live() -> None:
    planned_here: list[int] = []

    def unplanned(n: int) -> Unplanned:
        def plan() -> Deferred:
            planned_here.append(n)
            return Deferred(f"incidents/{n}/index.html", f"key-{n}", lambda: f"page {n}".encode())

        return Unplanned(f"incidents/{n}/index.html", plan)

    items = [unplanned(n) for n in range(10)]
    with Spool.open() as spool:
        outcomes = render_all(items, spool, lambda file: file.key == "key-3")  # page 3 is live as it is
        assert [outcome.key for outcome in outcomes] == [f"key-{n}" for n in range(10)]
        assert outcomes[3].stored is None
        rendered = [spool.read(outcome.stored) for outcome in outcomes if outcome.stored is not None]
    assert rendered == [f"page {n}".encode() for n in range(10) if n != 3]
    assert sorted(planned_here) == list(range(10))


@two_cores
def test_unplanned_files_are_planned_by_the_process_that_renders_them() -> None:
    program = f"""
import os
from site_builder.outputs import Deferred, Unplanned
from site_builder.outputs.render_share import Spool, render_all
from tests.site.child_at_work import child_at_work
def unplanned(n):
    def plan():
        planner = os.getpid()
        child_at_work()
        return Deferred(f"incidents/{{n}}/index.html", f"key-{{n}}-{{planner}}", lambda: str(os.getpid()).encode())
    return Unplanned(f"incidents/{{n}}/index.html", plan, f"incident-{{n}}")
with Spool.open() as spool:
    outcomes = render_all([unplanned(n) for n in range({COUNT})], spool, lambda _: False)
    pairs = {{(o.key.rsplit("-", 1)[1], spool.read(o.stored).decode()) for o in outcomes}}
print(os.getpid(), len(pairs), all(planner == renderer for planner, renderer in pairs))
"""
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True, cwd=REPO_ROOT)
    _, processes, same = result.stdout.split()
    assert (processes, same) == ("2", "True")


def test_a_file_planned_at_another_path_than_announced_fails_the_build() -> None:
    item = Unplanned("components/api/index.html", lambda: Deferred("components/web/index.html", "key", bytes))
    with Spool.open() as spool, pytest.raises(ValueError, match=r"components/api/index\.html was planned as"):
        render_all([item], spool, lambda _: False)
