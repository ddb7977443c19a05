"""Shared test fixtures: paths to the reference samples and to our own fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
SHARED = Path(os.environ.get("TOOL_REFLECT_SHARED", ROOT.parent / "shared")) / "data"
SHARED_QWEN = SHARED / "reference_sample_qwen.jsonl"
SHARED_LLAMA = SHARED / "reference_sample_llama.jsonl"


def require_shared() -> Path:
    """Skip when ../shared/data is absent (fresh clone); fail instead when CI is set."""
    if SHARED_QWEN.exists() and SHARED_LLAMA.exists():
        return SHARED
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but the shared reference data is missing at {SHARED}")
    pytest.skip(f"shared reference data not found at {SHARED}")


@pytest.fixture
def shared_data() -> Path:
    """The folder holding reference_sample_{qwen,llama}.jsonl."""
    return require_shared()
