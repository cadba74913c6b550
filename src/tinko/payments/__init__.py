"""The payments ledger: what we were told about each payment (failures, successes) and the
transactions they belong to. Below both intake (which fills it) and recovery (which reads it)."""
