"""The survey report as a self-contained, printable HTML page."""

from service.surveys.html.render import render

__all__ = ["render"]
