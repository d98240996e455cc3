"""Running a model over a whole raster: the streaming pass that writes the class map and explanation maps."""
