"""Pixels made ready for the model: windows, gap filling, splits, synthetic scenes."""
