"""``tool-reflect`` command line: one subcommand per module in :mod:`tool_reflect.commands`.

Each command module defines ``HELP`` (one line), ``add_arguments(parser)`` and
``run(args) -> int``, and imports heavy dependencies inside ``run`` only, so that
``tool-reflect --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from tool_reflect import __version__
from tool_reflect.errors import RecordError

DESCRIPTION = ("Measure and train how well LLMs repair a failed tool call: check and convert "
               "benchmark data, score completions (Repair@k), report and compare runs, generate "
               "items, and prepare training.")

COMMANDS = {
    "convert": "tool_reflect.commands.convert",
    "score": "tool_reflect.commands.score",
    "label": "tool_reflect.commands.label",
    "check": "tool_reflect.commands.check",
    "report": "tool_reflect.commands.report",
    "signal": "tool_reflect.commands.signal",
    "warm-start": "tool_reflect.commands.warm_start",
    "generate": "tool_reflect.commands.generate",
    "export": "tool_reflect.commands.export",
    "prepare-model": "tool_reflect.commands.prepare_model",
    "merge-lora": "tool_reflect.commands.merge_lora",
    "plot": "tool_reflect.commands.plot",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tool-reflect", description=DESCRIPTION,
        epilog="Run 'tool-reflect COMMAND --help' for a command's options and an example.")
    parser.add_argument("--version", action="version", version=f"tool-reflect {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:  # tests assert every command imports
            if exc.name != module_name:
                raise
            continue
        example = getattr(module, "EXAMPLE", None)
        p = sub.add_parser(name, help=module.HELP, description=module.HELP,
                           epilog=f"example: {example}" if example else None)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


class Terminated(SystemExit):
    """Raised on SIGTERM while a command runs, so that temporary files are removed."""


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        with _sigterm_raises():
            return int(args._run(args) or 0)
    except RecordError as exc:
        return _fail(args, str(exc))
    except ImportError as exc:  # an optional backend is missing; the message says how to install
        return _fail(args, str(exc))
    except OSError as exc:  # missing input, unwritable output, ...
        logging.getLogger("tool_reflect").debug("error", exc_info=True)
        where = f"{exc.filename}: " if exc.filename else ""
        return _fail(args, f"{where}{exc.strerror or exc}")
    except Terminated as exc:
        print(f"tool-reflect {args.command}: terminated (its temporary files removed)",
              file=sys.stderr)
        return int(exc.code or 143)


def _fail(args: argparse.Namespace, message: str) -> int:
    print(f"tool-reflect {args.command}: error: {message}", file=sys.stderr)
    return 2


@contextmanager
def _sigterm_raises() -> Iterator[None]:
    """Turn SIGTERM into :class:`Terminated` while the block runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: object) -> None:
        raise Terminated(128 + signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
