"""Plain data and rules shared by services, messages and renderers; nothing here imports the rest of the bot."""
