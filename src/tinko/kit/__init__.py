"""Domain-free helpers: clock, ids, crypto and signed tokens, secret box, money, pagination, rate
limits, upserts. Imports no domain package (an import contract checks it)."""
