"""The lm-eval task class behind ``tool_reflect``, ``tool_reflect_open`` and ``tool_reflect_bfcl``.

One instance per subtask (one perturbation type). It renders each item with the core's
:func:`~tool_reflect.formats.render_prompt`, sends ``repeats`` independent requests per item
(each its own :class:`~lm_eval.api.instance.Instance`, so API backends can get a distinct
seed per sample), and scores every sample with the core's
:func:`~tool_reflect.evaluate.score_item` into Repair@k (unbiased estimator), the average
partial score and per-attempt verdicts (executed ones too for items with a replay recipe).

Options come from ``--metadata`` (see :class:`Options`); the prompt format is always
chosen explicitly, never guessed from the model.
"""

from __future__ import annotations

import copy
import json
import logging
import sys
from collections import Counter
from dataclasses import dataclass
from typing import Any

import datasets
from lm_eval.api.instance import Instance
from lm_eval.api.task import ConfigurableTask

from lm_eval_tasks import data
from tool_reflect import __version__
from tool_reflect.error_kinds import kind_of
from tool_reflect.evaluate import score_item
from tool_reflect.formats import NATIVE_FORMATS, PROMPT_FORMATS, render_prompt, render_target
from tool_reflect.matching import MATCHER_VERSION
from tool_reflect.matching import MODES as MATCH_MODES
from tool_reflect.metrics import DEFAULT_KS, stderr
from tool_reflect.records import PERTURBATIONS, UNKNOWN, RepairItem, call_objects

# Under "lm_eval" so the messages share lm_eval's log format and level.
log = logging.getLogger(f"lm_eval.{__name__}")

TOOL_CHOICES = ("auto", "required", "none")
PLACEHOLDER_ID = "__tool_reflect_empty_subtask__"
# Generation arguments OpenAI-style APIs reject; sent only to local engines (HF, vLLM).
API_UNSUPPORTED = ("repetition_penalty",)
DEFAULT_API_SEED = 1234
_warned: set[str] = set()


def warn_once(key: str, msg: str, *args: Any) -> None:
    if key not in _warned:
        _warned.add(key)
        log.warning(msg, *args)


@dataclass(frozen=True)
class Options:
    """Task options read from the task metadata (``--metadata '{...}'`` on the CLI).

    ``prompt_format``: qwen (default, the original protocol), llama, native, user_role.
    ``repeats``: samples per item (default 5; Repair@k is reported for k <= repeats).
    ``data_file`` / ``sha256``: a local file or URL replacing the task's data, and its hash.
    ``match_mode``: strict (default) or lenient.
    ``seed_per_repeat``: "auto" (API backends only), true or false.
    ``tool_choice``: sent with ``tools`` to API backends (native, user_role): auto, required
    or none; not sent by default.
    """

    prompt_format: str = "qwen"
    repeats: int | None = None
    data_file: str | None = None
    sha256: str | None = None
    match_mode: str = "strict"
    seed_per_repeat: bool | str = "auto"
    tool_choice: str | None = None

    @classmethod
    def from_metadata(cls, meta: dict[str, Any]) -> Options:
        fmt = meta.get("prompt_format", cls.prompt_format)
        if fmt not in PROMPT_FORMATS:
            raise ValueError(f"metadata prompt_format: {fmt!r} is not one of {PROMPT_FORMATS}")
        mode = meta.get("match_mode", cls.match_mode)
        if mode not in MATCH_MODES:
            raise ValueError(f"metadata match_mode: {mode!r} is not one of {MATCH_MODES}")
        repeats = meta.get("repeats")
        if repeats is not None and (isinstance(repeats, bool) or not isinstance(repeats, int)
                                    or repeats < 1):
            raise ValueError(f"metadata repeats: {repeats!r} is not a positive integer")
        seed = meta.get("seed_per_repeat", "auto")
        if seed not in (True, False, "auto"):
            raise ValueError(f"metadata seed_per_repeat: {seed!r} is not true, false or 'auto'")
        choice = meta.get("tool_choice") or None
        if choice not in (None, *TOOL_CHOICES):
            raise ValueError(f"metadata tool_choice: {choice!r} is not one of {TOOL_CHOICES}")
        return cls(fmt, repeats, meta.get("data_file") or None, meta.get("sha256") or None,
                   mode, seed, choice)


class _HashableDict(dict):
    """A tool schema that lm-eval's request grouping can hash (it groups requests by their
    generation arguments, and falls back to grouping by key names for unhashable values,
    which would send one item's tools with another's). Serialises as a plain object."""

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(json.dumps(self, sort_keys=True))


def is_api_model(lm: Any) -> bool:
    """An lm-eval HTTP API backend (``TemplateAPI``)? Checked without importing it."""
    mod = sys.modules.get("lm_eval.models.api_models")
    return mod is not None and isinstance(lm, mod.TemplateAPI)


def plain_text(messages: list[dict[str, Any]]) -> str:
    """A transcript as plain text, for runs without ``--apply_chat_template``."""
    parts = []
    for m in messages:
        text = m.get("content") or ""
        for c in m.get("tool_calls") or []:
            fn = c["function"]
            text += f'\n{{"name": {json.dumps(fn["name"])}, "arguments": {fn["arguments"]}}}'
        parts.append(f"{m['role']}: {text}")
    return "\n\n".join(parts) + "\n\nassistant:"


def hf_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """OpenAI-style messages for Hugging Face chat templates, which expect call arguments
    as objects rather than JSON strings."""
    out = []
    for m in messages:
        if m.get("tool_calls"):
            m = {**m, "tool_calls": [
                {**c, "function": {**c["function"],
                                   "arguments": json.loads(c["function"]["arguments"])}}
                for c in m["tool_calls"]]}
        out.append(m)
    return out


class RepairTask(ConfigurableTask):
    """One subtask: the items of one perturbation type (or all) of one dataset.

    YAML keys beyond lm-eval's: ``class`` (this class) and ``tool_reflect: {dataset,
    perturbation}``; both are removed before lm-eval's own config handling."""

    def __init__(self, data_dir=None, cache_dir=None, download_mode=None,
                 config: dict[str, Any] | None = None) -> None:
        config = dict(config or {})
        config.pop("class", None)
        spec = config.pop("tool_reflect", None) or {}
        self.dataset_id: str = spec.get("dataset", "open")
        self.perturbation: str | None = spec.get("perturbation")
        meta = dict(config.get("metadata") or {})
        self.options = Options.from_metadata(meta)
        if self.options.repeats:
            config["repeats"] = self.options.repeats
        # A process_results in the config tells lm-eval the metric names in metric_list are
        # ours (it would otherwise look them up in its registry and in HF evaluate).
        config["process_results"] = self.process_results
        self._items: dict[str, RepairItem] = {}
        self._position: dict[str, int] = {}  # item id -> place in the whole dataset (seeds)
        self._loaded: data.LoadedData | None = None
        super().__init__(config=config)
        self.config.metadata = {**meta, **self.stamps()}

    # ------------------------------------------------------------------ data
    def download(self, dataset_kwargs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        item_values.pop(self.config.task, None)
        opts = self.options
        loaded = data.load(self.dataset_id, opts.prompt_format, opts.data_file, opts.sha256)
        if self.dataset_id in data.BUNDLED and loaded.label_counts.get(UNKNOWN):
            raise ValueError(
                f"{loaded.fetched.source}: {loaded.label_counts[UNKNOWN]} items have no known "
                f"perturbation type ({PERTURBATIONS}); tool_reflect_{self.dataset_id} would drop "
                "them. Label them, or run the file through tool_reflect (it has an 'unknown' "
                "subtask)")
        if self.dataset_id == "bfcl":
            from tool_reflect.execution import require_bfcl

            require_bfcl()  # before any request: executed scoring needs the backends
        self._loaded = loaded
        subset = loaded.subset(self.perturbation)
        self._items = {it.id: it for it in subset}
        self._position = {it.id: i for i, it in enumerate(loaded.items)}
        docs = [{"id": it.id, "perturbation": loaded.labels[it.id],
                 "item": json.dumps(it.to_dict(), ensure_ascii=False)} for it in subset]
        if not docs:
            warn_once(f"empty:{self.config.task}",
                      "%s: %s has no %s items; this subtask sends one 1-token placeholder "
                      "request and reports no metrics", self.config.task,
                      loaded.fetched.source, self.perturbation)
            docs = [{"id": PLACEHOLDER_ID, "perturbation": self.perturbation or "", "item": ""}]
        self.dataset = {self.config.test_split or "test": datasets.Dataset.from_list(docs)}

    def stamps(self) -> dict[str, Any]:
        """Version stamps recorded in the results' task config (``configs.<task>.metadata``)."""
        f = self._loaded.fetched if self._loaded else None
        return {
            "tool_reflect_version": __version__,
            "matcher_version": MATCHER_VERSION,
            "match_mode": self.options.match_mode,
            "prompt_format": self.options.prompt_format,
            "samples_per_item": self.config.repeats,
            "seed_per_repeat": self.options.seed_per_repeat,
            "dataset": self.dataset_id,
            "subset": self.perturbation or "all",
            "subset_items": len(self._items),
            "dataset_items": len(self._loaded.items) if self._loaded else 0,
            "dataset_label_counts": dict(self._loaded.label_counts) if self._loaded else {},
            "dataset_source": f.source if f else None,
            "dataset_sha256": f.sha256 if f else None,
            "dataset_verified_by": f.verified if f else None,
            "dataset_check": dict(self._loaded.check) if self._loaded else {},
        }

    def item(self, doc: dict[str, Any]) -> RepairItem | None:
        """The parsed item of a doc (``None`` for an empty subtask's placeholder)."""
        return self._items.get(doc["id"])

    # ------------------------------------------------------------------ prompts
    def render(self, doc: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict] | None]:
        """Messages and tools (``None`` for text formats) in the chosen prompt format."""
        item = self.item(doc)
        if item is None:
            return [{"role": "user", "content": "Reply with OK."}], None
        return render_prompt(item, self.options.prompt_format)

    def doc_to_text(self, doc: dict[str, Any], doc_to_text: Any = None) -> str:
        return plain_text(self.render(doc)[0])

    def doc_to_target(self, doc: dict[str, Any], doc_to_target: Any = None) -> str:
        item = self.item(doc)
        return render_target(item, self.options.prompt_format) if item else ""

    def fewshot_context(self, doc: dict[str, Any], num_fewshot: int,
                        system_instruction: str | None = None, apply_chat_template: bool = False,
                        fewshot_as_multiturn: bool = False, chat_template: Any = None,
                        gen_prefix: str | None = None) -> Any:
        """The whole transcript as the model's chat (lm-eval's own builder knows only one
        user turn). With ``--apply_chat_template`` the backend's template renders it;
        tools go to HF/vLLM templates here and to APIs in :meth:`construct_requests`."""
        if num_fewshot:
            raise ValueError(f"{self.config.task} is zero-shot; drop --num_fewshot")
        messages, tools = self.render(doc)
        if system_instruction:
            messages = [dict(m) for m in messages]
            if messages[0]["role"] == "system":
                messages[0]["content"] = f"{system_instruction}\n\n{messages[0]['content']}"
            else:
                messages.insert(0, {"role": "system", "content": system_instruction})
        if not (apply_chat_template and chat_template):
            warn_once("no_chat", "%s: without --apply_chat_template the transcript is sent as "
                      "plain text; the original protocol uses the model's chat template",
                      self.config.task)
            return plain_text(messages)
        lm = getattr(chat_template, "__self__", None)
        if tools and not is_api_model(lm):
            return self._template_with_tools(chat_template, lm, messages, tools)
        return chat_template(messages)

    def _template_with_tools(self, chat_template: Any, lm: Any, messages: list[dict[str, Any]],
                             tools: list[dict[str, Any]]) -> str:
        """Apply an HF/vLLM chat template with ``tools=`` (through the backend's
        ``chat_template_args``, which both pass to the tokenizer)."""
        args = getattr(lm, "chat_template_args", None)
        if not isinstance(args, dict):
            raise ValueError(f"prompt_format {self.options.prompt_format!r}: backend "
                             f"{type(lm).__name__} cannot pass tools to its chat template; "
                             "use prompt_format qwen or llama")
        missing = object()
        before = args.get("tools", missing)
        args["tools"] = tools
        try:
            text = chat_template(hf_messages(messages))
        finally:
            if before is missing:
                args.pop("tools", None)
            else:
                args["tools"] = before
        if any(t["function"]["name"] not in text for t in tools):
            warn_once("tools_ignored", "%s: the chat template ignores tools=; the model does not "
                      "see the tool schemas. Use prompt_format qwen or llama for this model",
                      self.config.task)
        return text

    # ------------------------------------------------------------------ requests
    def construct_requests(self, doc: dict[str, Any], ctx: Any, **kwargs: Any) -> list[Instance]:
        """``repeats`` independent requests (one Instance each, ``idx`` = sample number).
        API backends get seed ``model seed + repeats * position + idx``, position being the
        item's place in the dataset (lm-eval would send one
        seed to all): a distinct seed per sample and per item, so no two requests share
        generation arguments and lm-eval (which groups requests by them) keeps an item's
        samples back to back, where a server's prefix cache serves them. Also the item's
        tools for native formats, and no arguments APIs reject."""
        kwargs.pop("apply_chat_template", None)
        lm = getattr(kwargs.pop("chat_template", None), "__self__", None)
        task_name, doc_id, _ = kwargs.pop("metadata")
        gen = copy.deepcopy(self.config.generation_kwargs) or {}
        meta = (task_name, doc_id, 1)
        if self.item(doc) is None:
            for key in ("max_new_tokens", "max_tokens", "max_completion_tokens"):
                gen.pop(key, None)
            gen["max_gen_toks"] = 1
            return [Instance("generate_until", doc, (ctx, gen), 0, metadata=meta, **kwargs)]
        api = is_api_model(lm)
        if api:
            self._adapt_for_api(gen, doc, lm)
        seed = self._base_seed(lm, api)
        if seed is not None:
            seed += self.config.repeats * self._position[doc["id"]]
        return [Instance("generate_until", doc,
                         (ctx, gen if seed is None else {**gen, "seed": seed + r}), r,
                         metadata=meta, **kwargs)
                for r in range(self.config.repeats)]

    def _adapt_for_api(self, gen: dict[str, Any], doc: dict[str, Any], lm: Any) -> None:
        for key in API_UNSUPPORTED:
            if gen.pop(key, None) is not None:
                warn_once(f"api:{key}", "%s: not sent to the API (OpenAI-style APIs reject it)",
                          key)
        _, tools = self.render(doc)
        if tools:
            if not getattr(lm, "KEEPS_TOOL_CALLS", False):
                raise ValueError(
                    f"--model {type(lm).__name__} drops structured tool_calls from API replies, "
                    f"so prompt_format {self.options.prompt_format} would score 0: use --model "
                    "tool-reflect-chat-completions (or tool-reflect-openai-chat-completions)")
            gen["tools"] = [_HashableDict(t) for t in tools]
            if self.options.tool_choice:
                gen["tool_choice"] = self.options.tool_choice

    def _base_seed(self, lm: Any, api: bool) -> int | None:
        mode = self.options.seed_per_repeat
        if not (api if mode == "auto" else mode):
            return None
        seed = getattr(lm, "_seed", None)
        return seed if isinstance(seed, int) else DEFAULT_API_SEED

    # ------------------------------------------------------------------ scoring
    def process_results(self, doc: dict[str, Any], results: list[Any]) -> dict[str, Any]:
        """Repair@k for k <= samples and the mean partial score of one item, plus its
        ``verdicts`` (gold calls, and per attempt: passed, partial, errors, parsed calls),
        which land in ``--log_samples`` output and feed the error-kind histogram."""
        item = self.item(doc)
        if item is None:
            return {}
        outputs = ["" if o is None else o
                   for o in (r[0] if isinstance(r, list) and r else r for r in results)]
        fmt = self.options.prompt_format
        style = fmt if fmt not in NATIVE_FORMATS else None
        result = score_item(item, outputs, self.options.match_mode, style)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s: %d/%d passed; errors %s", self.config.task, item.id,
                      sum(result.passes), len(result.passes), result.errors)
        out: dict[str, Any] = dict(result.metrics(DEFAULT_KS))
        for metric, value in out.items():
            item_values.setdefault(self.config.task, {}).setdefault(metric, []).append(value)
        out["verdicts"] = {
            "gold": call_objects(item.ground_truth.calls),
            "attempts": [v.to_dict() for v in result.verdicts]}
        return out


# Per-item metric values of each subtask in this process, so that a group's standard error
# is computed over all its items (lm-eval pools the subtasks' within-task variances, which
# ignores differences between subtasks: 0 when each subtask is uniform but they differ).
item_values: dict[str, dict[str, list[float]]] = {}


def group_stderr_over_items(aggregate: Any) -> Any:
    """Wrap ``Group.aggregate``: for groups of our subtasks, replace each metric's stderr by
    the standard error over all items, when every item's value is at hand."""

    def wrapped(self: Any, task_metrics: dict[str, Any]) -> Any:
        out = aggregate(self, task_metrics)
        leaves = [t.task_name for t in self.get_all_tasks()]
        if not any(name in item_values for name in leaves):
            return out
        for key, count in (out.get("sample_count") or {}).items():
            metric = key.split(",", 1)[0]
            vals = [v for n in leaves for v in item_values.get(n, {}).get(metric, [])]
            if len(vals) == count:  # else (e.g. several ranks) keep lm-eval's figure
                se = stderr(vals)
                out[f"{metric}_stderr,{key.split(',', 1)[1]}"] = "N/A" if se is None else se
        return out

    wrapped.__wrapped__ = aggregate  # type: ignore[attr-defined]
    return wrapped


def _install_group_stderr() -> None:
    from lm_eval.api.group import Group

    if not hasattr(Group.aggregate, "__wrapped__"):
        Group.aggregate = group_stderr_over_items(Group.aggregate)  # type: ignore[method-assign]


_install_group_stderr()


class Histogram(dict):
    """Error kinds over attempts: a dict in the results JSON, one short line in the table."""

    def __str__(self) -> str:
        top = sorted(self.items(), key=lambda kv: (-kv[1], kv[0]))[:4]
        more = f" +{len(self) - 4} kinds" if len(self) > 4 else ""
        return ", ".join(f"{k} {v}" for k, v in top) + more if top else "none"

    __repr__ = __str__


def error_histogram(items: list[dict[str, Any]]) -> Histogram:
    """Aggregation of the ``verdicts`` metric: how often each error kind occurs over all
    attempts of a subtask (an attempt counts once per kind)."""
    counts: Counter[str] = Counter()
    for v in items:
        for attempt in v.get("attempts", []) if isinstance(v, dict) else []:
            counts.update({kind_of(e) for e in attempt.get("errors", [])})
    return Histogram(sorted(counts.items()))
