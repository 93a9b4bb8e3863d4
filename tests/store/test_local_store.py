"""The folder store: conditional writes hold under concurrent processes, and reads never see half a file."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from checker.errors import PreconditionFailed, StoreError
from checker.store import LocalStore, open_store


def test_write_if_absent_and_write_if_unchanged(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    etag = store.put("state.json", b"{}", if_none_match=True)
    with pytest.raises(PreconditionFailed):
        store.put("state.json", b'{"x":1}', if_none_match=True)
    new_etag = store.put("state.json", b'{"x":1}', if_match=etag)
    with pytest.raises(PreconditionFailed):
        store.put("state.json", b'{"x":2}', if_match=etag)  # stale version
    current = store.get("state.json")
    assert current is not None and current.data == b'{"x":1}' and current.etag == new_etag


def test_if_match_on_a_missing_object_fails(tmp_path: Path) -> None:
    with pytest.raises(PreconditionFailed):
        LocalStore(tmp_path).put("nothing.json", b"{}", if_match="abc")


def test_list_is_sorted_by_key_and_hides_locks_and_temporary_files(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    for key in ["runs/2026/11/22/b.json", "runs/2026/11/22/a.json", "summary.json", "runs/2026/11/21/z.json"]:
        store.put(key, b"{}")
    (tmp_path / "runs/2026/11/22/.tmp-123").write_bytes(b"partial")
    assert list(store.list("runs/")) == ["runs/2026/11/21/z.json", "runs/2026/11/22/a.json", "runs/2026/11/22/b.json"]
    assert list(store.list()) == [*list(store.list("runs/")), "summary.json"]


def test_list_hides_temporaries_a_killed_writer_left_and_files_are_owner_only(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.put("runs/a.json", b"{}")
    (tmp_path / "runs" / ".b.json.4242.tmp").write_bytes(b"partial")
    assert list(store.list("runs/")) == ["runs/a.json"]
    assert (tmp_path / "runs" / "a.json").stat().st_mode & 0o777 == 0o600


def test_delete_is_idempotent(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.put("a.json", b"{}")
    store.delete("a.json")
    store.delete("a.json")
    assert store.get("a.json") is None


@pytest.mark.parametrize("key", ["", "../escape.json", "a//b.json", ".locks/x", "a/./b"])
def test_keys_cannot_escape_the_folder(tmp_path: Path, key: str) -> None:
    with pytest.raises(StoreError):
        LocalStore(tmp_path / "store").put(key, b"{}")


def test_open_store_resolves_relative_folders_against_the_site(tmp_path: Path) -> None:
    store = open_store("./data", base=tmp_path)
    assert isinstance(store, LocalStore) and store.root == tmp_path / "data"


def _increment_many(root: str, times: int) -> None:
    store = LocalStore(root)
    for _ in range(times):
        store.update_json("counter.json", lambda current: {"n": (current or {"n": 0})["n"] + 1}, attempts=1000)


def test_no_update_is_lost_between_concurrent_processes(tmp_path: Path) -> None:
    processes = [
        multiprocessing.get_context("spawn").Process(target=_increment_many, args=(str(tmp_path), 40)) for _ in range(4)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    assert LocalStore(tmp_path).get_json("counter.json") == {"n": 160}
