"""Benchmarks run by `make bench`; each bench_*.py module has `async def run() -> dict[str, float]`."""
