"""Command line: serve | worker | migrate | dev | orgs | keys."""

from __future__ import annotations

import sys

from service.cli import main

if __name__ == "__main__":
    sys.exit(main())
