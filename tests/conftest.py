"""Shared test fixtures: paths to the real original-format samples and to our own fixtures.

The real samples (first records, spread and further samples of the original files, MIT)
live in ``tests/fixtures/original`` so a fresh clone runs every test; set
``TOOL_REFLECT_SHARED`` to a folder holding a ``data/`` folder to run against other copies."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
ORIGINAL = FIXTURES / "original"
SHARED = (Path(os.environ["TOOL_REFLECT_SHARED"]) / "data" if os.environ.get("TOOL_REFLECT_SHARED")
          else ORIGINAL)
SHARED_QWEN = SHARED / "reference_sample_qwen.jsonl"
SHARED_LLAMA = SHARED / "reference_sample_llama.jsonl"


def require_shared() -> Path:
    """The reference samples' folder (fail when CI is set and they are missing)."""
    if SHARED_QWEN.exists() and SHARED_LLAMA.exists():
        return SHARED
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but the shared reference data is missing at {SHARED}")
    pytest.skip(f"shared reference data not found at {SHARED}")


@pytest.fixture
def shared_data() -> Path:
    """The folder holding reference_sample_{qwen,llama}.jsonl."""
    return require_shared()
