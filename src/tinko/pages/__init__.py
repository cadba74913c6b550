"""Server-rendered pages for payers: /pay/{token} and its return pages (docs/api.md)."""
