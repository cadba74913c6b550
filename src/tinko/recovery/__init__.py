"""Recovery cases, attempts, policies and the network-rule guard."""
