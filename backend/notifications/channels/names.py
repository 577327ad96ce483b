"""Channel names, declared once: every list, filter and schema of channels reads them here.

Adding a channel = its module under ``channels/`` (a class with ``name``, ``targets`` and
``deliver``), its settings, its name below, and one line in ``wiring.build_channels``.
"""

from typing import Literal

WEBHOOK = "webhook"
PUSH = "push"
SMS = "sms"
STREAM = "stream"
ZALO = "zalo"

CHANNELS: tuple[str, ...] = (WEBHOOK, PUSH, SMS, STREAM, ZALO)
# Channels whose targets are people (push targets are their devices).
USER_CHANNELS: tuple[str, ...] = (STREAM, PUSH, ZALO, SMS)
# Default channels of every event; the out-of-app ones below are added for urgent events.
DEFAULT_CHANNELS: tuple[str, ...] = (STREAM, PUSH, WEBHOOK)
# The fallback order for urgent events, per recipient: each step waits for the one before.
FALLBACK_ORDER: tuple[str, ...] = (PUSH, ZALO, SMS)
# Channels reached on a phone number the user chooses and verifies.
PHONE_CHANNELS: tuple[str, ...] = (ZALO, SMS)
# Channels a user may mute for non-urgent events (the in-app feed cannot be muted).
MUTABLE_CHANNELS: tuple[str, ...] = (PUSH, ZALO, SMS)

ChannelName = Literal[CHANNELS]  # type: ignore[valid-type]
PhoneChannel = Literal[PHONE_CHANNELS]  # type: ignore[valid-type]
MutableChannel = Literal[MUTABLE_CHANNELS]  # type: ignore[valid-type]
