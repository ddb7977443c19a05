"""Start-up hook, imported by ``tool_reflect_lm_eval.pth`` in every interpreter.

It stays cheap: on import it only puts a finder on ``sys.meta_path`` that waits for
lm_eval's own modules. When ``lm_eval.tasks.manager`` is executed, ``TaskManager.__init__``
is wrapped so our task folder is always indexed (before any user ``--include_path``, so a
user's folder can override our tasks); when ``lm_eval.models`` is executed, our API model
classes are registered as lazy placeholders. Nothing of lm_eval is imported before
lm_eval itself is.

Opt-out: ``TOOL_REFLECT_NO_LM_EVAL_HOOK=1`` (checked by the ``.pth`` line, and again each
time a ``TaskManager`` is created).
"""

from __future__ import annotations

import os
import sys

ENV_OPT_OUT = "TOOL_REFLECT_NO_LM_EVAL_HOOK"
MANAGER = "lm_eval.tasks.manager"
MODELS = "lm_eval.models"
API_MODELS = {
    "tool-reflect-chat-completions": "lm_eval_tasks.api_model:ToolChatCompletion",
    "tool-reflect-openai-chat-completions": "lm_eval_tasks.api_model:ToolOpenAIChatCompletion",
}


def enabled() -> bool:
    return os.environ.get(ENV_OPT_OUT, "") in ("", "0")


def _with_our_path(include_path: object) -> list:
    from lm_eval_tasks import task_dir

    if include_path is None:
        paths: list = []
    elif isinstance(include_path, (list, tuple)):
        paths = list(include_path)
    else:
        paths = [include_path]
    ours = os.path.realpath(task_dir())
    if any(os.path.realpath(os.fspath(p)) == ours for p in paths):
        return paths
    return [task_dir(), *paths]


def patch_task_manager(manager_cls: type) -> None:
    """Wrap ``TaskManager.__init__`` so ``include_path`` always holds our task folder."""
    original = manager_cls.__init__
    if getattr(original, "_tool_reflect_hook", False):
        return
    import inspect

    signature = inspect.signature(original)

    def __init__(self, *args, **kwargs):
        if enabled():
            bound = signature.bind(self, *args, **kwargs)
            bound.arguments["include_path"] = _with_our_path(bound.arguments.get("include_path"))
            args, kwargs = bound.args[1:], bound.kwargs
        original(self, *args, **kwargs)

    __init__._tool_reflect_hook = True  # type: ignore[attr-defined]
    __init__.__wrapped__ = original  # type: ignore[attr-defined]
    __init__.__doc__ = original.__doc__
    manager_cls.__init__ = __init__


def register_models() -> None:
    """Register our API model classes with lm_eval (lazily: imported on first use)."""
    from lm_eval.api.registry import model_registry

    for name, target in API_MODELS.items():
        if name not in model_registry:
            model_registry.register(name, target=target)


_AFTER = {MANAGER: lambda m: patch_task_manager(m.TaskManager), MODELS: lambda m: register_models()}


class _Finder:
    """Meta-path finder: lets the other finders locate the module, then makes its loader
    run our patch right after the module has executed. Only the two lm_eval module names
    above are ever touched; the loader itself is kept."""

    def find_spec(self, name, path=None, target=None):
        if name not in _AFTER:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        exec_module, after = loader.exec_module, _AFTER[name]

        def exec_and_patch(module):
            exec_module(module)
            try:
                after(module)
            except Exception as exc:  # never break lm_eval because of our hook
                import logging

                logging.getLogger(__name__).warning("tool-reflect lm_eval hook failed: %s", exc)

        loader.exec_module = exec_and_patch  # per-module loader instance
        return spec


def install() -> None:
    """Register the finder; patch at once what lm_eval has already imported."""
    if not enabled():
        return
    for name, after in _AFTER.items():
        if name in sys.modules:
            after(sys.modules[name])
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())


install()
