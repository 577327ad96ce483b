"""Visibility rules and permissions for patrols, scans, tracks and plans."""
