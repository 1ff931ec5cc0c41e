"""Reading, cleaning and chunking the report corpus."""
