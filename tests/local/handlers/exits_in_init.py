"""A module whose import ends the runtime: sys.exit(4) in the init phase."""

import sys

sys.exit(4)
