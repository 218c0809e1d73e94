"""The run ledger: record model, append-only writer, tolerant reader, content store."""

from jarri.ledger.record import SCHEMA_VERSION, RunRecord

__all__ = ["SCHEMA_VERSION", "RunRecord"]
