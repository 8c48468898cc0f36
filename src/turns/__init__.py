"""Turns: unit turns (make-ready) for rental operators."""

__version__ = "0.1.0"
