"""Analytics a merchant can check: definitions, queries, exports, uplift (API.md "Analytics")."""
