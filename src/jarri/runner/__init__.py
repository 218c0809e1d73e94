"""Plan a sweep and execute it one run at a time into the ledger."""
