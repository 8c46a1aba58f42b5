"""Skills in the Agent Skills format: parse, validate, library, bundled."""
