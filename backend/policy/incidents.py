"""Visibility rules and permissions for incidents, their views and escalations."""
