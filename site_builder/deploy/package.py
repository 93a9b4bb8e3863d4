"""`statusgen package`: the Lambda zip, built with pip alone (no Docker, no build image).

pip can install wheels for another platform (`--platform ... --only-binary=:all:`), which is all a
Lambda artifact needs: the project's own packages as installed here, plus its dependencies as
Linux wheels for the function's architecture and Python version. Dependencies published only as
source (pure Python, such as feedgen) are first built into wheels on this machine, which is
correct for any platform because they contain no compiled code.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from checker.atomic_file import replacing
from checker.errors import PackageError

ARCHITECTURES = {"arm64": "aarch64", "x86_64": "x86_64"}
"""Lambda's architecture names -> the manylinux platform suffix of their wheels."""

DISTRIBUTION = "statusgen"
PACKAGES = ("checker", "site_builder")
"""Top-level packages copied from where they are installed (editable or not)."""
TEMPLATES_FOLDER = "templates"
"""Where the built-in templates go in the zip: beside the packages, as in a source checkout, which
is where `site_builder.outputs.theme.builtin_templates` looks first (no package import involved)."""

# Lambda's limit for a function's code, unpacked.
MAX_UNZIPPED_BYTES = 250 * 1024 * 1024

# The Python runtimes ship a boto3, but an older one may lack S3's conditional writes (If-Match),
# which the store relies on; bundling ours adds ~15 MB zipped. Leaving it out is an option.
_RUNTIME_PROVIDED = {"boto3"}

# A fixed timestamp makes the zip byte-identical across builds of the same inputs.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def package_lambda(
    out: Path,
    *,
    arch: str = "arm64",
    python_version: str = "3.12",
    include_boto3: bool = True,
    pip: Sequence[str] = (sys.executable, "-m", "pip"),
    progress: Callable[[str], None] = lambda step: None,
) -> Path:
    """Build the Lambda zip at `out` for `arch` (arm64 or x86_64) and `python_version`; return it.

    Every handler of the project is in it (`checker.handler.handler`,
    `site_builder.lambda_entry.handler`, ...). With `include_boto3=False` the zip relies on the
    boto3 of the Lambda runtime (smaller, but its version is not ours to choose). `progress` is
    told each step as it starts: the whole takes about a minute, mostly in pip.
    """
    if arch not in ARCHITECTURES:
        raise PackageError(f"unknown architecture {arch!r}: use one of {', '.join(ARCHITECTURES)}")
    if not re.fullmatch(r"3\.\d+", python_version):
        raise PackageError(f"python_version must look like 3.12 (got {python_version!r})")
    requirements = runtime_requirements(include_boto3=include_boto3)
    with tempfile.TemporaryDirectory(prefix="statusgen-package-") as scratch:
        wheelhouse = Path(scratch) / "wheels"
        target = Path(scratch) / "lambda"
        progress(f"collecting {len(requirements)} dependencies (building wheels of any published as source only)")
        _build_source_only_wheels(pip, requirements, wheelhouse)
        progress(f"installing the dependencies for Lambda (Python {python_version}, {arch})")
        _install_for_platform(pip, requirements, target, wheelhouse, arch=arch, python_version=python_version)
        progress("adding statusgen and its templates")
        _copy_project(target)
        _check_size(target)
        out.parent.mkdir(parents=True, exist_ok=True)
        progress(f"writing {out}")
        _write_zip(target, out)
    return out


def runtime_requirements(*, include_boto3: bool) -> list[str]:
    """The project's dependencies, without the `dev` extra (and boto3 unless asked)."""
    requirements = []
    for requirement in _declared_requirements():
        if "extra ==" in requirement:
            continue
        name = re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0].lower()
        if name in _RUNTIME_PROVIDED and not include_boto3:
            continue
        requirements.append(requirement)
    return requirements


def _declared_requirements() -> list[str]:
    # In a source checkout pyproject.toml is the truth: the metadata of an editable install is
    # only as new as its last `pip install -e .`.
    checkout = Path(__file__).resolve().parent.parent / "pyproject.toml"
    if checkout.is_file():
        project = tomllib.loads(checkout.read_text(encoding="utf-8")).get("project", {})
        if project.get("name") == DISTRIBUTION:
            return list(project.get("dependencies", []))
    try:
        return importlib.metadata.requires(DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError:
        raise PackageError(f"{DISTRIBUTION} is not installed; run `pip install .` first") from None


def _build_source_only_wheels(pip: Sequence[str], requirements: list[str], wheelhouse: Path) -> None:
    # Builds wheels for what is published only as source; keeps the pure-Python ones, the only
    # kind that is valid on another platform.
    _run_pip(pip, ["wheel", "--quiet", "--prefer-binary", "--wheel-dir", str(wheelhouse), *requirements])
    for wheel in wheelhouse.glob("*.whl"):
        if not wheel.name.endswith("-none-any.whl"):
            wheel.unlink()


def _install_for_platform(
    pip: Sequence[str],
    requirements: list[str],
    target: Path,
    wheelhouse: Path,
    *,
    arch: str,
    python_version: str,
) -> None:
    machine = ARCHITECTURES[arch]
    _run_pip(
        pip,
        [
            "install",
            "--quiet",
            "--no-compile",
            "--target",
            str(target),
            "--implementation",
            "cp",
            "--python-version",
            python_version,
            # Lambda's Python 3.12+ runtimes run on glibc 2.34; both tags cover every wheel we need.
            "--platform",
            f"manylinux2014_{machine}",
            "--platform",
            f"manylinux_2_28_{machine}",
            "--only-binary=:all:",
            "--find-links",
            str(wheelhouse),
            *requirements,
        ],
    )
    # Console scripts are of no use inside a function.
    shutil.rmtree(target / "bin", ignore_errors=True)


def _run_pip(pip: Sequence[str], arguments: list[str]) -> None:
    environment = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    result = subprocess.run([*pip, *arguments], capture_output=True, text=True, env=environment)
    if result.returncode != 0:
        detail = "\n".join(result.stderr.strip().splitlines()[-15:])
        raise PackageError(f"pip {arguments[0]} failed:\n{detail}")


def _copy_project(target: Path) -> None:
    from site_builder.outputs.theme import builtin_templates

    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in PACKAGES:
        shutil.copytree(_package_folder(package), target / package, ignore=ignore)
    shutil.copytree(builtin_templates(), target / TEMPLATES_FOLDER, ignore=ignore)


def _package_folder(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise PackageError(f"package {package} is not importable; reinstall {DISTRIBUTION} (pip install -e .)")
    return Path(next(iter(spec.submodule_search_locations)))


def _check_size(target: Path) -> None:
    total = sum(f.stat().st_size for f in target.rglob("*") if f.is_file())
    if total > MAX_UNZIPPED_BYTES:
        raise PackageError(f"the package would be {total / 2**20:.0f} MB unpacked; Lambda allows 250 MB")


def _write_zip(source: Path, out: Path) -> None:
    # Written at once: a failed or interrupted build never leaves a zip that looks whole.
    with replacing(out) as file, zipfile.ZipFile(file, "w") as archive:
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            if "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            info = zipfile.ZipInfo(path.relative_to(source).as_posix(), date_time=_ZIP_EPOCH)
            # Regular file, readable by the runtime's user (Lambda runs code as another user).
            info.external_attr = 0o100644 << 16
            # With a ZipInfo of our own, the archive's default level would not apply: say it here.
            archive.writestr(info, path.read_bytes(), compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
