"""Chat channels: each adapter turns a platform's updates into the dialogue core's messages and back."""


class StartupError(RuntimeError):
    """A channel cannot start (a wrong token, an unreachable server): the message says which setting and why."""
