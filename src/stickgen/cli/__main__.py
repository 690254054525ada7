"""`python -m stickgen.cli`: the `stickgen` command."""

import sys

from stickgen.cli import main

sys.exit(main())
