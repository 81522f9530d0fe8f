"""`python -m worker`: run the RQ worker until SIGTERM."""

import sys

from worker import run

if __name__ == "__main__":
    sys.exit(run(burst="--burst" in sys.argv[1:]))
