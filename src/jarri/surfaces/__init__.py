"""The JSON surfaces: the UI's only API. One envelope for all, written deterministically."""
