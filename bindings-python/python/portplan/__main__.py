"""`python -m portplan`: the same CLI as the `portplan` command."""

import sys

from portplan.cli import main

sys.exit(main())
