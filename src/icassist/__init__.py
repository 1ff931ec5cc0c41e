"""icassist: cited answers from integrated-care evidence reports."""

__version__ = "0.1.0"
