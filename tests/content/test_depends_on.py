"""`depends_on`: what validate says about unknown components and cycles, with file and line."""

from __future__ import annotations

from pathlib import Path

from site_builder.content.site import check_site


def write(root: Path, components: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "statuspage.yaml").write_text("site: {name: Example}\ncomponents:\n" + components)
    return root


def messages(root: Path) -> list[str]:
    site, problems = check_site(root, None)
    assert site is None
    return [str(p) for p in problems]


def test_unknown_and_own_ids_are_named_on_their_line(tmp_path: Path) -> None:
    root = write(tmp_path, "  - id: db\n    name: Database\n  - id: api\n    name: API\n    depends_on: [api, dbb]\n")
    assert messages(root) == [
        "statuspage.yaml:7: components[1].depends_on: 'api' is the component itself",
        "statuspage.yaml:7: components[1].depends_on: unknown component id 'dbb'",
    ]


def test_a_cycle_is_reported_once_with_its_path(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        "  - {id: a, name: A, depends_on: [c]}\n  - {id: b, name: B, depends_on: [a]}\n"
        "  - {id: c, name: C, depends_on: [b]}\n  - {id: d, name: D, depends_on: [a]}\n",
    )
    assert messages(root) == [
        "statuspage.yaml:3: components[0].depends_on: a cycle: a -> c -> b -> a; remove one of these dependencies",
    ]


def test_a_long_chain_and_a_wide_fan_validate(tmp_path: Path) -> None:
    chain = "".join(
        f"  - {{id: c{n}, name: C{n}{', depends_on: [c' + str(n - 1) + ']' if n else ''}}}\n" for n in range(2000)
    )
    fan = "".join(
        f"  - {{id: f{n}, name: F{n}, depends_on: [{', '.join(f'c{k}' for k in range(0, 2000, 97))}]}}\n"
        for n in range(200)
    )
    site, problems = check_site(write(tmp_path, chain + fan), None)
    assert problems == [] and site is not None
    # The root cause of the fan's outage, with the whole chain failing, is the chain's first link.
    assert site.bundle.root_cause("f7", lambda other: True) == "c0"
