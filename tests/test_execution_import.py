"""tool_reflect.execution imports, and fails helpfully, without bfcl-eval installed."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = r"""
import json, sys
sys.modules["bfcl_eval"] = None          # simulate bfcl-eval not being installed
import tool_reflect.execution as ex
from tool_reflect.records import RepairItem
out = {"exports": sorted(ex.__all__)}
try:
    ex.BFCLEnv().reset({"source": "multi_turn_base_0"})
except ex.BFCLMissing as exc:
    out["missing"] = str(exc)
item = RepairItem.from_dict(json.loads(sys.stdin.readline()))
out["verdict"] = ex.score_executed(item, "<tool_call>{\"name\": \"ls\", \"arguments\": {}}</tool_call>").to_dict()
print(json.dumps(out))
"""


def test_imports_and_reports_missing_bfcl() -> None:
    with gzip.open(ROOT / "data" / "tool_reflect_bfcl" / "test.jsonl.gz", "rt", encoding="utf-8") as fh:
        line = fh.readline()
    proc = subprocess.run([sys.executable, "-c", SCRIPT], input=line, capture_output=True,
                          text=True, cwd=ROOT, check=True, timeout=120)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "executed_verdict" in out["exports"] and "build_bundle" in out["exports"]
    assert "pip install --no-deps bfcl-eval==2026.3.23 mpmath" in out["missing"]
    assert out["verdict"]["passed"] is False
    assert out["verdict"]["reasons"] == ["execution_failure:BFCLMissing"]
