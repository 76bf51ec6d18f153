"""Roadmap publisher: one content/ tree in, a light site and an encrypted internal site out."""
