"""``python -m linlayout``: the same as the ``linlayout`` command (see :mod:`linlayout.cli`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
