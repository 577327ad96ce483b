"""Delivery channels, each behind the one `Channel` interface."""

from backend.notifications.channels.base import (
    Channel,
    EventEnvelope,
    PermanentError,
    RetryableError,
    TargetGone,
)

__all__ = ["Channel", "EventEnvelope", "PermanentError", "RetryableError", "TargetGone"]
