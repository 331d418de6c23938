"""Benchmarks (`make bench`): not tests, not run by `make test`. See bench/README.md."""
