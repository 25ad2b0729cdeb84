"""The transparency registry: lobbying, beneficial ownership and procurement in one service."""

__version__ = "0.1.0"
