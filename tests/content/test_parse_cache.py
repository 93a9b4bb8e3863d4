"""The cache of parsed incident files: a rebuild parses only the files whose bytes changed, and
the cache never makes a site load differently from a fresh parse."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from site_builder.builder import json_parts
from site_builder.content.parse_cache import MIN_SHARED_PARSES
from site_builder.content.site import PARSED_CACHE, check_site, load_site
from tests.helpers import REPO_ROOT, copy_site, fixture

API_ERRORS = "incidents/2026-11-22-api-errors.md"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_site(fixture("content", "site"), tmp_path / "site")


def fresh_parse(root: Path) -> str:
    site, problems = check_site(root, {})
    assert site is not None, problems
    return site.bundle.model_dump_json()


def forge_title(root: Path, rel: str, title: str) -> None:
    """Change what the cache remembers of `rel`, leaving its key (the file's digest) alone."""
    data = json.loads((root / PARSED_CACHE).read_text(encoding="utf-8"))
    data["files"][rel]["incident"]["title"] = title
    (root / PARSED_CACHE).write_text(json.dumps(data), encoding="utf-8")


def test_a_load_with_the_cache_gives_what_a_fresh_parse_gives(root: Path) -> None:
    first = load_site(root, {}).bundle.model_dump_json()
    assert (root / PARSED_CACHE).is_file()
    assert load_site(root, {}).bundle.model_dump_json() == first == fresh_parse(root)


def test_a_cache_written_in_many_parts_remembers_every_file(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_parts, "MEMBERS_PER_PART", 1)
    load_site(root, {})
    remembered = json.loads((root / PARSED_CACHE).read_text(encoding="utf-8"))["files"]
    assert len(remembered) > json_parts.MEMBERS_PER_PART
    for rel in remembered:
        forge_title(root, rel, f"Remembered {rel}")
    assert {i.file: i.title for i in load_site(root, {}).bundle.incidents} == {
        rel: f"Remembered {rel}" for rel in remembered
    }


def test_an_unchanged_file_is_not_parsed_again(root: Path) -> None:
    load_site(root, {})
    forge_title(root, API_ERRORS, "Remembered, not parsed")
    titles = {i.file: i.title for i in load_site(root, {}).bundle.incidents}
    assert titles[API_ERRORS] == "Remembered, not parsed"


def test_an_edited_file_is_parsed_again(root: Path) -> None:
    load_site(root, {})
    forge_title(root, API_ERRORS, "Remembered, not parsed")
    path = root / API_ERRORS
    path.write_text(path.read_text(encoding="utf-8").replace("Elevated API error rates", "Edited"), encoding="utf-8")
    titles = {i.file: i.title for i in load_site(root, {}).bundle.incidents}
    assert titles[API_ERRORS] == "Edited"
    assert load_site(root, {}).bundle.model_dump_json() == fresh_parse(root)


def test_a_removed_component_makes_every_file_parse_again(root: Path) -> None:
    load_site(root, {})
    config = root / "statuspage.yaml"
    website = "  - id: website\n    name: Website\n    group: Core\n"
    config.write_text(config.read_text(encoding="utf-8").replace(website, ""), encoding="utf-8")
    site, problems = check_site(root, {}, cache=root / PARSED_CACHE)
    assert site is None
    assert [str(p) for p in problems] == [
        f"{API_ERRORS}:5: components.website: unknown component 'website' (components: api, database)"
    ]


@pytest.mark.parametrize(
    "damage", [b"", b"{not json", b'{"format": 1, "context": "x", "files": []}', b'{"format": 99}']
)
def test_a_damaged_cache_costs_a_parse_not_a_failure(root: Path, damage: bytes) -> None:
    load_site(root, {})
    (root / PARSED_CACHE).write_bytes(damage)
    assert load_site(root, {}).bundle.model_dump_json() == fresh_parse(root)


def test_validate_neither_reads_nor_writes_the_cache(root: Path) -> None:
    load_site(root, {})
    forge_title(root, API_ERRORS, "Remembered, not parsed")
    before = (root / PARSED_CACHE).read_bytes()
    site, _ = check_site(root, None)
    assert site is not None
    assert {i.file: i.title for i in site.bundle.incidents}[API_ERRORS] == "Elevated API error rates"
    assert (root / PARSED_CACHE).read_bytes() == before


def test_many_files_read_on_two_cores_load_as_one_process_reads_them(tmp_path: Path) -> None:
    """Past MIN_SHARED_PARSES files a forked child parses every other one: the same incidents,
    problems in the same order, and a cache that loads the same again."""
    root = copy_site(fixture("content", "site"), tmp_path / "site")
    original = (root / API_ERRORS).read_text(encoding="utf-8")
    for n in range(MIN_SHARED_PARSES + 40):
        text = original.replace("Elevated API error rates", f"Elevated API error rates, case {n}")
        if n in (7, 120, 121):  # problems in both processes' shares
            text = text.replace("api: ", "api: sideways ")
        (root / "incidents" / f"2026-10-{n // 100 + 1:02d}-case-{n}.md").write_text(text, encoding="utf-8")
    program = """
import json, os, sys
from pathlib import Path
import site_builder.content.parse_cache as parse_cache
import site_builder.content.site as site
from site_builder.builder.two_processes import fork_helps
from tests.site.child_at_work import child_at_work
root, cache = Path(sys.argv[1]), Path(sys.argv[2])
readers = os.pipe()
real_read = parse_cache.read_incident_bytes
def read(*args):
    os.write(readers[1], f"{os.getpid()}\\n".encode())
    child_at_work()
    return real_read(*args)
parse_cache.read_incident_bytes = read
def load(cache):
    loaded, problems = site.check_site(root, {}, cache=cache)
    return [str(p) for p in problems] if loaded is None else loaded.bundle.model_dump_json()
answer = {"forks": fork_helps(), "fresh": load(None), "cold": load(cache)}
written = cache.stat()
answer["cached"] = load(cache)
answer["cache kept"] = (cache.stat().st_ino, cache.stat().st_mtime_ns) == (written.st_ino, written.st_mtime_ns)
os.close(readers[1])
answer["readers"] = len(set(os.read(readers[0], 1 << 20).split()))
print(json.dumps(answer))
"""
    cache = tmp_path / "incidents.json"
    result = subprocess.run(
        [sys.executable, "-c", program, str(root), str(cache)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO_ROOT,
    )
    answer = json.loads(result.stdout)
    site, problems = check_site(root, {})  # here, in one process (a test worker runs threads)
    assert site is None
    assert answer["fresh"] == answer["cold"] == answer["cached"] == [str(p) for p in problems]
    assert len(problems) == 3
    assert answer["readers"] >= 2 if answer["forks"] else answer["readers"] == 1  # a child read some
    for n in (7, 120, 121):  # without the problems, the same incidents
        path = root / "incidents" / f"2026-10-{n // 100 + 1:02d}-case-{n}.md"
        path.write_text(path.read_text(encoding="utf-8").replace("api: sideways ", "api: "), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-c", program, str(root), str(cache)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO_ROOT,
    )
    answer = json.loads(result.stdout)
    assert answer["fresh"] == answer["cold"] == answer["cached"] == fresh_parse(root)
    assert answer["cache kept"]  # nothing new to remember: the cache is not written again


def test_incidents_arrive_from_both_processes_sharing_their_records_of_given_fields(tmp_path: Path) -> None:
    """Each process shares the records as it parses, so the child sends each record once and
    neither leaves a hole in memory per model when the loaded site shares them."""
    root = copy_site(fixture("content", "site"), tmp_path / "site")
    original = (root / API_ERRORS).read_text(encoding="utf-8")
    for n in range(MIN_SHARED_PARSES + 40):
        (root / "incidents" / f"2026-10-01-case-{n}.md").write_text(original, encoding="utf-8")
    program = """
import json, sys
from pathlib import Path
from checker.incident_model import models_of
from site_builder.content.incidents import incident_files
from site_builder.content.parse_cache import ParsedIncidents
from site_builder.builder.two_processes import fork_helps
root = Path(sys.argv[1])
files = [(path, path.relative_to(root).as_posix()) for path in incident_files(root)]
parsed = [read.incident for read, _ in ParsedIncidents.open(None, ["api", "database", "website"]).parse_all(files)]
models = list(models_of(parsed))
records = {id(model.__pydantic_fields_set__) for model in models}
print(json.dumps({"forks": fork_helps(), "models": len(models), "records": len(records)}))
"""
    result = subprocess.run([sys.executable, "-c", program, str(root)], capture_output=True, text=True, check=True)
    answer = json.loads(result.stdout)
    assert answer["models"] > 4 * MIN_SHARED_PARSES
    assert answer["records"] <= (4 if answer["forks"] else 2)  # an incident's and an update's, per process
