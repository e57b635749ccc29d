"""The Zalo Official Account channel: consultation messages with buttons, files and images, a signed webhook,
OAuth v4 tokens kept in the database, and the messaging window (see client.py for what the documents say)."""
