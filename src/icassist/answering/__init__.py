"""Answerers turn retrieved passages into text with [n] markers; validation turns that into a checked Answer."""
