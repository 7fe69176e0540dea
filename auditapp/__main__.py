"""`python -m auditapp` runs the command-line face."""

import sys

from auditapp.cli import main

if __name__ == "__main__":  # never when imported (multiprocessing's spawn imports main modules)
    sys.exit(main())
