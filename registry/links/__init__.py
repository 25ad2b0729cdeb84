"""Links between entities that are (probably) the same party: review, match, export."""
