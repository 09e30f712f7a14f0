"""The differential conformance suite against model.fit: its table of setups and the helpers that run a row."""
