"""Matching: is this pair of parties the same real-world party? Features, one calibrated
score, its explanation, and the thresholds that turn it into ``auto`` / ``candidate``."""
