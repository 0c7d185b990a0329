"""Registry benchmarks: every speed figure of the project, each beside a peer's from the same run.

Run ``python -m bench``; see `bench.__main__` for the options and `bench/results.md` for the
last full run.
"""
