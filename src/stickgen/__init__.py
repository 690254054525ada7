"""stickgen: a data-versioned pipeline for text-to-stick-figure animation models."""

__version__ = "0.1.0"
