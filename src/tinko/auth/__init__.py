"""Users, roles, sessions (JWT + rotating refresh tokens), API keys and password resets."""
