"""The agent loop: model access, tools, prompts, and the typed event stream."""
