"""Reading and writing files: the time-series stack, band names, field labels, output rasters and styles."""
