"""``python -m tool_reflect`` runs the CLI."""

import sys

from tool_reflect.cli import main

sys.exit(main())
