"""Seedable synthetic data for tests and benchmarks: no real person is ever in it."""
