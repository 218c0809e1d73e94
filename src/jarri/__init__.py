"""Jarri Benchmark: a deterministic efficiency benchmark for local LLMs."""

__version__ = "0.1.0"
