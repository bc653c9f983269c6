"""Config-driven star-schema warehouse loader: spec → SQL → plan → target."""
