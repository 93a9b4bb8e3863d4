"""write_atomic: the one way files are replaced, by the store, the outbox, the publisher and the editors."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from checker.atomic_file import is_temporary, replacing, write_atomic


def test_parts_replace_the_file_with_the_permissions_asked_for_whatever_the_umask(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_bytes(b"old")
    previous = os.umask(0o077)
    try:
        write_atomic(path, [b"new ", b"page"], mode=0o644, durable=True)
        write_atomic(tmp_path / "plain.txt", [b"x"])
    finally:
        os.umask(previous)
    assert path.read_bytes() == b"new page"
    assert path.stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "plain.txt").stat().st_mode & 0o777 == 0o600  # as open() under that umask
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html", "plain.txt"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(b"old")

    def parts() -> Iterator[bytes]:
        yield b"half"
        raise RuntimeError("renderer failed")

    with pytest.raises(RuntimeError):
        write_atomic(path, parts())
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_missing_folders_are_made_only_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "incidents" / "a" / "index.html"
    with pytest.raises(FileNotFoundError):
        write_atomic(path, [b"x"])
    write_atomic(os.fspath(path), [b"x"], make_folders=True)
    assert path.read_bytes() == b"x"


def test_a_temporary_left_by_a_killed_process_is_replaced_and_recognised(tmp_path: Path) -> None:
    left = tmp_path / f".a.json.{os.getpid()}.tmp"
    left.write_bytes(b"partial")
    assert is_temporary(left.name) and not is_temporary("a.json")
    write_atomic(tmp_path / "a.json", [b"{}"])
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_replacing_gives_a_real_file_that_seeks(tmp_path: Path) -> None:
    with replacing(tmp_path / "out.bin") as out:
        out.write(b"abc")
        out.seek(0)
        out.write(b"X")
    assert (tmp_path / "out.bin").read_bytes() == b"Xbc"
