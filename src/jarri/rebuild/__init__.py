"""The rebuild chain. For now: read and validate every ledger, and summarise what it holds."""
