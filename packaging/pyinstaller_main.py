"""The frozen application's entry point: the same command line as the `auditapp` script."""

import sys

from auditapp.cli import main

if __name__ == "__main__":
    sys.exit(main())
