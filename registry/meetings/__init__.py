"""Meetings between lobbyists and officials, declared by either side and reconciled."""
