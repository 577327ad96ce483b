"""Visibility rules and permissions for notification deliveries and subscriptions.

- webhook subscriptions and deliveries (with their errors): system admins only;
- a user's notification feed and live stream: that user only.
"""

from sqlalchemy import ColumnElement, false, true

from backend.models.notification import NotificationDelivery, UserNotification, WebhookSubscription
from backend.policy.roles import ADMIN, PERMISSIONS
from backend.policy.scopes import register_rule
from backend.policy.subject import Subject


def _admin_only(subject: Subject) -> ColumnElement[bool]:
    return true() if subject.is_admin else false()


def _own_feed(subject: Subject) -> ColumnElement[bool]:
    return UserNotification.user_id == subject.user_id


register_rule(WebhookSubscription, _admin_only)
register_rule(NotificationDelivery, _admin_only)
register_rule(UserNotification, _own_feed)

PERMISSIONS.update(
    {
        "webhook.manage": ADMIN,
        "notification.admin": ADMIN,
    }
)
