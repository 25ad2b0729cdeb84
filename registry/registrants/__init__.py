"""The lobbying register: entries, their immutable versions, review, publication."""
