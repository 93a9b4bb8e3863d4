"""Puts this folder on the path, for the build-output checks (output_checks) shared with tests/faults."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
