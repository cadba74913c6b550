"""Domain-free helpers: clock, ids, crypto, money, pagination. Imports no domain package."""
