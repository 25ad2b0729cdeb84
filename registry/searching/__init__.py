"""Search over entities: the public API, and the search backend's place in the app."""
