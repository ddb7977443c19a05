"""lm-evaluation-harness tasks for tool-reflect: ``tool_reflect``, ``tool_reflect_open`` and
``tool_reflect_bfcl``.

lm-eval 0.4.13 has no task entry points. The wheel ships ``tool_reflect_lm_eval.pth``, a
start-up hook (:mod:`lm_eval_tasks._startup`) that adds :func:`task_dir` to every
``TaskManager`` once lm_eval is imported; ``TOOL_REFLECT_NO_LM_EVAL_HOOK=1`` switches it
off. Fallbacks: ``lm_eval --include_path $(python -m lm_eval_tasks) ...`` or
``python -m lm_eval_tasks.harness ...`` (lm_eval's CLI with the hook installed).

This module is imported at every interpreter start (through the hook): keep it tiny.
"""

from __future__ import annotations

import os

TASK_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tasks")


def task_dir() -> str:
    """The folder of task YAMLs to give lm-eval as ``--include_path``."""
    return TASK_DIR
