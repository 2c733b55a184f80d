"""The Rust domain's golden file is what this Python answers today.

functions/cluster-domain/tests/fixtures/python_outputs.json holds Python's answers for a
table of inputs; the Rust tests compare against it without running Python. If Python's
behaviour (or a pinned dependency) changes and nobody regenerates the file, the Rust side
would keep matching a Python that no longer exists. This test regenerates it and compares.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "functions" / "cluster-domain" / "tests" / "fixtures"


def test_regenerating_the_golden_file_gives_the_committed_one(tmp_path):
    regenerated = tmp_path / "python_outputs.json"
    subprocess.run(
        [sys.executable, str(FIXTURES / "generate_python_outputs.py"), str(regenerated)],
        check=True,
        cwd=ROOT,
    )
    committed = json.loads((FIXTURES / "python_outputs.json").read_text())
    fresh = json.loads(regenerated.read_text())
    # Each table of cases is non-empty, so an empty fixture cannot pass here or in Rust.
    for table in ("dumps", "bad_json", "repr", "float_repr", "specs", "compliance"):
        assert len(fresh[table]) > 0, table
    assert fresh == committed
