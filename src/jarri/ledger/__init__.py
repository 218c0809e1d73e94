"""The run ledger: record model (record.py), append-only writer, tolerant reader, content
store. Nothing is imported here, so a light module (the ledger's file name) does not pull in
the record model and pydantic."""
