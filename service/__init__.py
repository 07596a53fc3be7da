"""MLCF assessment service: rubrics, recruitment panels, 360 feedback and engagement surveys."""

__version__ = "0.1.0"
