import sys
from pathlib import Path

# Tests import their shared helpers as `helpers` (tests/helpers.py).
sys.path.insert(0, str(Path(__file__).parent))
