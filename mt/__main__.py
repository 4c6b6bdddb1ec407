"""`python -m mt`: the same as the `mt` console script."""

import sys

from mt.cli import main

sys.exit(main())
