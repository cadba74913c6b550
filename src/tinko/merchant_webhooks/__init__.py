"""Outbound webhooks to the merchant's own systems, signed per Standard Webhooks
(docs/merchant-webhooks.md). A domain: recovery, notify and planning call `emit` to queue an
event; it imports none of them."""
