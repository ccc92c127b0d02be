"""Mosaic's domain core: the graph model, the store contract and its backends."""
