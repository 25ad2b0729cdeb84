"""BODS 0.4 (and 0.2/0.3) statements: the importer, the mapping to rows, the schema check."""
