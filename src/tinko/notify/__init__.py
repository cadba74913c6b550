"""Outbound messages: queueing, delivery over channels (SMTP, Twilio SMS and WhatsApp, the dev
outbox), templates, opt-outs and quiet hours. Knows nothing of recovery: the caller says whether
the case a message is about is still open (`delivery.CaseLookup`)."""
