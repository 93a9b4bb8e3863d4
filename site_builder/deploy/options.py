"""What `statusgen deploy` is asked to do: the stack, its region and parameters, and where the code comes from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class DeployOptions:
    root: Path
    stack_name: str
    region: str
    template: Path | None = None
    """Default: `infra/template.yaml` in the repository, else the one in statusgen's source."""
    package: Path | None = None
    """A Lambda zip built before (`statusgen package`); default: build `dist/lambda.zip` now."""
    artifacts_bucket: str | None = None
    """Default: `statusgen-artifacts-<account>-<region>`, created when missing."""
    parameters: Mapping[str, str] = field(default_factory=dict)
    """Template parameters to set; the others keep the stack's current values (or defaults)."""
    first_run: bool = True
    """Invoke the checker and publish the page once the stack is up."""
    poll_seconds: float = 10.0
