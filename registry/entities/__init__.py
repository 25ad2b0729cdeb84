"""Entities: companies, persons and public bodies as their sources describe them."""
