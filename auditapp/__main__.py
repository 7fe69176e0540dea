"""`python -m auditapp` runs the command-line face."""

import sys

from auditapp.cli import main

sys.exit(main())
