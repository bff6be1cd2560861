"""One run end to end: the matter source, the Python API, the store of runs, the destination."""
