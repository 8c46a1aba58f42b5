"""Function tools the agent can call (JSON-schema described)."""
