"""Benchmarks (not part of `make test`): figures are written to benchmarks/results/."""
