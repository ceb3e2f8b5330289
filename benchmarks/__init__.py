"""Benchmarks behind BENCHMARKS.md (issue #2 acceptance). Entry point: `benchmarks/run.py`."""
