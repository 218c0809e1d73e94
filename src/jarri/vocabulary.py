"""Closed vocabularies shared by the layers, declared once here (typing only, so the CLI can
name them in its options without loading the record model).

The record model (ledger/record.py) types its fields with them; the backends' factory, the
CLI's choices and the thinking policy are generated from them.
"""

from __future__ import annotations

import typing
from typing import Literal

# The backends (backends/__init__.py has a factory for each).
BackendName = Literal["llamacpp", "ollama", "openai", "mock"]
BACKEND_NAMES: tuple[str, ...] = typing.get_args(BackendName)

# The think levels Ollama accepts (api/types.go ThinkValue; "max" since 0.22).
ThinkLevel = Literal["low", "medium", "high", "max"]
THINK_LEVELS: tuple[str, ...] = typing.get_args(ThinkLevel)

# What `jarri export` writes (analysis/export.py).
EXPORT_FORMATS: tuple[str, ...] = ("parquet", "csv")
