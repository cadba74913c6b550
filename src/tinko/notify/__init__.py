"""Outbound messages. The foundation has the mail seam and the dev outbox; channels come later."""
