"""The public change feed: what changed, in commit order, for mirrors of the register."""
