"""Fetch benchmark files: pinned URLs, sha256 verification and a local cache.

The original test set lives in the original repository at a pinned revision
(:data:`ORIGINAL_FILES`). :func:`fetch` downloads a file once into
``<cache>/datasets/`` and checks it on every use:

- against a sha256, when one is known (pinned here, or passed by the caller);
- otherwise against the pinned character count, and the observed sha256 is logged and
  returned so results can record it.

Environment: ``TOOL_REFLECT_CACHE`` (cache root, default ``~/.cache/tool_reflect``).
Local files are used in place (``/path`` or ``file://`` URL); ``http(s)://`` URLs are
downloaded into the cache.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tool_reflect.io import atomic_open

log = logging.getLogger(__name__)

ORIGINAL_REPO = "MeiGen-AI/Tool-Reflection-Bench"
ORIGINAL_REVISION = "291bb3e6aaa93b6622b5fb715c9ed505a803f5a5"
_RAW = f"https://raw.githubusercontent.com/{ORIGINAL_REPO}/{ORIGINAL_REVISION}/benchmark/"
CHUNK = 1 << 20


@dataclass(frozen=True)
class RemoteFile:
    """A pinned remote file. ``sha256`` is ``None`` until someone who can reach the file
    records it; ``chars`` (decoded UTF-8 length) is then the integrity check."""

    name: str
    url: str
    sha256: str | None = None
    chars: int | None = None


ORIGINAL_FILES: dict[str, RemoteFile] = {
    "qwen": RemoteFile("test_qwen_1000.jsonl", _RAW + "test_qwen_1000.jsonl", None, 9_204_654),
    "llama": RemoteFile("test_llama_1000.jsonl", _RAW + "test_llama_1000.jsonl", None, 8_968_499),
}


class DatasetError(RuntimeError):
    """A dataset could not be fetched or failed verification."""


@dataclass(frozen=True)
class Fetched:
    """A local, verified copy. ``verified`` says how: ``sha256``, ``chars`` or ``none``."""

    path: Path
    sha256: str
    verified: str
    source: str


def cache_root() -> Path:
    """``$TOOL_REFLECT_CACHE``, else ``$XDG_CACHE_HOME/tool_reflect``, else ``~/.cache/tool_reflect``."""
    env = os.environ.get("TOOL_REFLECT_CACHE")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "tool_reflect"


def file_sha256(path: str | os.PathLike[str]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK):
            h.update(block)
    return h.hexdigest()


def _char_count(path: Path) -> int:
    n = 0
    with open(path, encoding="utf-8", newline="") as fh:
        while block := fh.read(CHUNK):
            n += len(block)
    return n


def local_path(source: str) -> Path | None:
    """The local path a source names (plain path or ``file://`` URL), else ``None``."""
    parsed = urllib.parse.urlparse(source)
    if parsed.scheme == "file":
        return Path(urllib.request.url2pathname(parsed.path))
    if parsed.scheme in ("http", "https"):
        return None
    return Path(source).expanduser()


def verify(path: Path, sha256: str | None, chars: int | None, source: str,
           warn_unverified: bool = True) -> Fetched:
    """Check ``path`` against a sha256 (preferred) or a character count."""
    observed = file_sha256(path)
    if sha256:
        if observed != sha256.lower():
            raise DatasetError(f"{source}: sha256 mismatch: expected {sha256.lower()}, "
                               f"got {observed} (file {path})")
        return Fetched(path, observed, "sha256", source)
    if chars is not None:
        got = _char_count(path)
        if got != chars:
            raise DatasetError(f"{source}: expected {chars} characters, got {got} (file {path}); "
                               "the file is truncated or not the pinned revision")
        log.warning("%s: no pinned sha256; character count matches; observed sha256 %s",
                    source, observed)
        return Fetched(path, observed, "chars", source)
    log.log(logging.WARNING if warn_unverified else logging.DEBUG,
            "%s: unverified (no sha256 given); observed sha256 %s", source, observed)
    return Fetched(path, observed, "none", source)


def _download(url: str, dest: Path, timeout: float) -> None:
    log.info("downloading %s -> %s", url, dest)
    req = urllib.request.Request(url, headers={"User-Agent": "tool-reflect"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp, atomic_open(dest, "wb") as out:
            shutil.copyfileobj(resp, out, CHUNK)
    except OSError as exc:
        raise DatasetError(f"cannot download {url}: {exc}; for offline use pass a local "
                           "file (metadata data_file or TOOL_REFLECT_DATA)") from exc


def _cache_name(url: str, name: str | None) -> Path:
    key = hashlib.sha256(url.encode()).hexdigest()[:16]
    base = name or Path(urllib.parse.urlparse(url).path).name or "data.jsonl"
    return cache_root() / "datasets" / key / base


def fetch(source: str, *, sha256: str | None = None, chars: int | None = None,
          name: str | None = None, timeout: float = 60.0, warn_unverified: bool = True) -> Fetched:
    """A verified local copy of ``source`` (path, ``file://`` or ``http(s)://`` URL).

    Remote files are cached by URL; a cached copy that fails verification is
    downloaded again once, then the error is raised."""
    path = local_path(source)
    if path is not None:
        if not path.is_file():
            raise DatasetError(f"{source}: no such file")
        return verify(path, sha256, chars, source, warn_unverified)
    dest = _cache_name(source, name)
    if dest.is_file():
        try:
            return verify(dest, sha256, chars, source)
        except DatasetError as exc:
            log.warning("cached copy failed verification, downloading again: %s", exc)
    _download(source, dest, timeout)
    try:
        return verify(dest, sha256, chars, source)
    except DatasetError:
        dest.unlink(missing_ok=True)
        raise


def fetch_original(fmt: str = "qwen", *, source: str | None = None,
                   sha256: str | None = None) -> Fetched:
    """The original 1000-item test file of a format (``qwen`` or ``llama``), from its
    pinned URL or from ``source``. The pinned hash and character count apply to the pinned
    URL and to a local copy of it; ``sha256`` overrides the pin."""
    if fmt not in ORIGINAL_FILES:
        raise ValueError(f"unknown original file {fmt!r}; expected one of {tuple(ORIGINAL_FILES)}")
    spec = ORIGINAL_FILES[fmt]
    pinned = source is None or source == spec.url
    return fetch(source or spec.url, sha256=sha256 or (spec.sha256 if pinned else None),
                 chars=spec.chars if pinned else None, name=spec.name)
