"""Analytics a merchant can check: definitions, queries, exports, uplift (docs/analytics.md)."""
