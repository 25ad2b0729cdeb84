"""Political finance: donations to parties, linked to contract winners and their owners."""
