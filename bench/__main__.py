"""Run every benchmark module (or those named on the command line) and print their numbers."""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
from pathlib import Path


def main(names: list[str]) -> int:
    here = Path(__file__).parent
    modules = sorted(p.stem for p in here.glob("bench_*.py"))
    chosen = [m for m in modules if not names or any(n in m for n in names)]
    if not chosen:
        print("no benchmarks match", names or "(all)")
        return 0
    for name in chosen:
        module = importlib.import_module(f"bench.{name}")
        print(f"== {name}", flush=True)
        result = asyncio.run(module.run())
        print(json.dumps(result, indent=2), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
