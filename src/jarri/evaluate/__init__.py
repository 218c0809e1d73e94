"""Deterministic evaluators, the failure taxonomy and generation-level failure detection."""
