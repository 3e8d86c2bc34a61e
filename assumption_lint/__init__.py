"""assumption_lint: finds the hidden assumptions in AI-generated Python code."""

__version__ = "0.1.0"
