"""Explain a pixel: the map tool and its plots."""
