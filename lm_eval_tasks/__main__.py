"""``python -m lm_eval_tasks``: print the task folder, for ``--include_path``."""

from lm_eval_tasks import task_dir

print(task_dir())
