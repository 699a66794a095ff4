"""Registry commands: stats."""
