"""Presenter mode: a full-screen view of the demo run for a public audience (map, legend, the pixel's story,
a guessing game). Opened from the dock's "Presenter mode" button."""
