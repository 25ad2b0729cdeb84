"""Offline copies of the open standards the registry reads and writes.

Nothing here touches the network: references between schema files are resolved to the files
shipped inside the package.
"""
