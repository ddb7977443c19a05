"""Fetching benchmark files: sha256 / character-count verification, the download cache
(a real HTTP server on 127.0.0.1 serving the shared sample), and the offline overrides."""

from __future__ import annotations

import hashlib
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tool_reflect import downloads as ds
from tool_reflect.downloads import DatasetError, cache_root, fetch, fetch_original, file_sha256

FIXTURE = Path(__file__).parent / "fixtures" / "original_qwen.jsonl"


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TOOL_REFLECT_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def served(shared_data: Path):
    """An HTTP server on 127.0.0.1 serving the shared folder; yields (base URL, hits)."""
    hits: list[str] = []

    class Handler(SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            super().do_GET()

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(shared_data)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", hits
    httpd.shutdown()
    httpd.server_close()


def test_cache_root_env_and_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert cache_root() == tmp_path / "cache"
    monkeypatch.delenv("TOOL_REFLECT_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "xdg" / "tool_reflect"


def test_pinned_original_files() -> None:
    qwen, llama = ds.ORIGINAL_FILES["qwen"], ds.ORIGINAL_FILES["llama"]
    assert qwen.url == ("https://raw.githubusercontent.com/MeiGen-AI/Tool-Reflection-Bench/"
                        "291bb3e6aaa93b6622b5fb715c9ed505a803f5a5/benchmark/test_qwen_1000.jsonl")
    assert llama.url.endswith("/291bb3e6aaa93b6622b5fb715c9ed505a803f5a5/benchmark/test_llama_1000.jsonl")
    assert (qwen.chars, llama.chars) == (9_204_654, 8_968_499)


def test_local_file_verified_by_sha256_or_refused() -> None:
    digest = hashlib.sha256(FIXTURE.read_bytes()).hexdigest()
    got = fetch(str(FIXTURE), sha256=digest.upper())
    assert (got.path, got.sha256, got.verified) == (FIXTURE, digest, "sha256")
    with pytest.raises(DatasetError, match=f"expected {'0' * 64}, got {digest}"):
        fetch(str(FIXTURE), sha256="0" * 64)


def test_file_url_and_character_count() -> None:
    chars = len(FIXTURE.read_text(encoding="utf-8"))
    got = fetch(FIXTURE.as_uri(), chars=chars)
    assert got.path == FIXTURE and got.verified == "chars"
    with pytest.raises(DatasetError, match=f"expected {chars + 1} characters, got {chars}"):
        fetch(FIXTURE.as_uri(), chars=chars + 1)
    assert fetch(str(FIXTURE)).verified == "none"
    with pytest.raises(DatasetError, match="no such file"):
        fetch(str(FIXTURE.with_name("absent.jsonl")))


def test_download_verify_and_cache(served, shared_data: Path, cache: Path) -> None:
    base, hits = served
    src = shared_data / "reference_sample_qwen.jsonl"
    digest = file_sha256(src)
    url = base + src.name
    first = fetch(url, sha256=digest)
    assert first.path.is_relative_to(cache) and first.path.read_bytes() == src.read_bytes()
    assert first.verified == "sha256" and hits == ["/" + src.name]
    again = fetch(url, sha256=digest)  # served from the cache
    assert again.path == first.path and len(hits) == 1
    first.path.write_text("corrupted", encoding="utf-8")  # a bad cached copy is replaced
    assert fetch(url, sha256=digest).sha256 == digest and len(hits) == 2


def test_download_with_wrong_hash_leaves_nothing_cached(served) -> None:
    base, _ = served
    with pytest.raises(DatasetError, match="sha256 mismatch"):
        fetch(base + "reference_sample_llama.jsonl", sha256="f" * 64)
    assert not list(cache_root().rglob("*.jsonl"))


def test_pinned_character_count_applies_to_the_pinned_file_only(served) -> None:
    base, _ = served
    mirror = fetch_original("qwen", source=base + "reference_sample_qwen.jsonl")
    assert mirror.verified == "none"  # another source: no pinned count to compare
    pinned = ds.ORIGINAL_FILES["qwen"]
    with pytest.raises(DatasetError, match="expected 9204654 characters"):
        ds.verify(mirror.path, None, pinned.chars, pinned.url)


def test_unreachable_url_says_how_to_work_offline() -> None:
    with pytest.raises(DatasetError, match="TOOL_REFLECT_DATA"):
        fetch("http://127.0.0.1:9/test_qwen_1000.jsonl", timeout=5)


def test_task_data_from_a_url_is_cached_and_stamped(served, shared_data: Path) -> None:
    from lm_eval_tasks import data

    base, hits = served
    url = base + "reference_sample_llama.jsonl"
    loaded = data.load("original", "llama", data_file=url)
    assert loaded.fetched.source == url and len(loaded.items) == 11
    assert loaded.fetched.sha256 == file_sha256(shared_data / "reference_sample_llama.jsonl")
    assert sum(loaded.label_counts.values()) == 11 and hits == ["/reference_sample_llama.jsonl"]
    assert data.load("original", "llama", data_file=url) is loaded  # once per process
