"""Makes tests/images/cli_runner.py importable by the tests beside it (pytest runs
with --import-mode=importlib, which adds no test directory to sys.path)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
