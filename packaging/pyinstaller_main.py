"""The frozen application's entry point: the same command line as the `auditapp` script."""

import multiprocessing
import sys

from auditapp.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # the window runs collect and export in child processes
    sys.exit(main())
