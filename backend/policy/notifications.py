"""Visibility rules and permissions for notification deliveries and subscriptions."""
