"""``python -m lm_eval_tasks.harness ARGS``: lm_eval's own command line with the tool-reflect
hook installed, for environments where the ``.pth`` start-up hook is absent (e.g. an
editable install) or switched off. Same arguments as ``lm_eval``."""

from __future__ import annotations


def main() -> None:
    import os

    from lm_eval_tasks import _startup

    os.environ.pop(_startup.ENV_OPT_OUT, None)
    _startup.install()
    from lm_eval.__main__ import cli_evaluate

    cli_evaluate()


if __name__ == "__main__":
    main()
