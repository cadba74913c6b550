"""The merchant console: server-rendered pages for people under /console (docs/console.md)."""
