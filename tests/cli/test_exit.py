"""How the `statusgen` program ends (`site_builder.cli.run`): it leaves its memory to the kernel
instead of freeing every object, so what it must do itself is exit with the command's status and
with everything it printed delivered, whether its output goes to a terminal, a file or a pipe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SITE = """\
site: {name: Exit test, url: https://status.example.test}
components:
  - id: api
    name: API
"""


BUFFERED = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
"""The environment of each process: its output buffered, as it is for a user's pipe or file, so
that what the program leaves unflushed would be lost."""


def program(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`statusgen ARGS` as the installed program runs: `python -m site_builder.cli` calls `run`."""
    return subprocess.run(
        [sys.executable, "-m", "site_builder.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env=BUFFERED,
    )


def with_main(body: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`run` with `main` replaced by `body` (a function of no arguments), in a process of its own."""
    script = f"import sys\nimport site_builder.cli as cli\n{body}\ncli.main = main\ncli.run()\n"
    return subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60, env=BUFFERED
    )


def test_a_build_exits_0_with_its_whole_report_and_its_files_written(tmp_path: Path) -> None:
    (tmp_path / "statuspage.yaml").write_text(SITE, encoding="utf-8")
    done = program("build", "--no-notify", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("built ") and "published to ./public" in done.stdout
    assert done.stdout.endswith("\n")
    assert (tmp_path / "public" / "index.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert (tmp_path / ".statusgen" / "build-cache.json").read_bytes().endswith(b"}")


def test_a_mistake_exits_1_with_its_one_line_message(tmp_path: Path) -> None:
    (tmp_path / "statuspage.yaml").write_text(SITE + "  - id: api\n    name: Again\n", encoding="utf-8")
    done = program("validate", cwd=tmp_path)
    assert done.returncode == 1
    assert "statuspage.yaml" in done.stderr and "Traceback" not in done.stderr


def test_an_unknown_command_exits_2_as_click_says() -> None:
    done = program("no-such-command", cwd=Path.cwd())
    assert done.returncode == 2
    assert "No such command" in done.stderr


@pytest.mark.parametrize("lines", [1, 200_000])
def test_everything_printed_arrives_through_a_pipe(tmp_path: Path, lines: int) -> None:
    body = f"def main():\n    for n in range({lines}):\n        print(f'line {{n}}')\n"
    done = with_main(body + "    print('to stderr', file=sys.stderr)\n", tmp_path)
    assert done.returncode == 0
    assert done.stdout.splitlines() == [f"line {n}" for n in range(lines)]
    assert done.stderr == "to stderr\n"


def test_an_exit_with_a_message_prints_it_and_exits_1(tmp_path: Path) -> None:
    done = with_main("def main():\n    sys.exit('cannot go on')\n", tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (1, "", "cannot go on\n")


def test_an_exit_status_is_kept(tmp_path: Path) -> None:
    done = with_main("def main():\n    print('partial')\n    sys.exit(3)\n", tmp_path)
    assert (done.returncode, done.stdout) == (3, "partial\n")


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path: Path) -> None:
    """`statusgen ... | head`: the command, a click command as all of them are, stops with status 1."""
    body = "import click\n@click.command()\ndef main():\n    for n in range(100_000):\n        click.echo('x' * 80)\n"
    script = f"import sys\nimport site_builder.cli as cli\n{body}cli.main = main\ncli.run()\n"
    with subprocess.Popen(
        [sys.executable, "-c", script], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=BUFFERED
    ) as writer:
        assert writer.stdout is not None and writer.stderr is not None
        assert writer.stdout.read(81) == b"x" * 80 + b"\n"
        writer.stdout.close()
        assert writer.wait(timeout=60) == 1
        assert writer.stderr.read() == b""
