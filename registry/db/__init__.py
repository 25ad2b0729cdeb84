"""Database access: the embedded server, the async engine, migrations."""
