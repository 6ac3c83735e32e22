"""Project settings. Defaults are kept."""
