"""The delivery log, subscribers and webhooks in the admin."""

from __future__ import annotations

from django.contrib import admin

from .models import Notification, Subscriber, Webhook


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Every mail and webhook delivery, with its attempts and last error (read-only)."""

    list_display = [
        "message_id",
        "channel",
        "office",
        "recipient",
        "state",
        "attempts",
        "response_status",
        "created_at",
        "sent_at",
        "last_error",
    ]
    list_filter = ["channel", "state", "office"]
    list_select_related = ["office", "subscriber", "webhook"]
    search_fields = ["message_id", "subscriber__email", "webhook__url"]
    date_hierarchy = "created_at"

    @admin.display(description="recipient")
    def recipient(self, obj: Notification) -> str:
        if obj.subscriber is not None:
            return obj.subscriber.email
        return obj.webhook.url if obj.webhook is not None else "—"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    """Visitors' e-mail subscriptions (they sign up and leave on the public pages)."""

    list_display = ["email", "office", "language", "created_at", "confirmed_at", "unsubscribed_at"]
    list_filter = ["office", "language"]
    search_fields = ["email"]
    readonly_fields = ["created_at", "confirmation_sent_at", "confirmed_at"]

    def has_add_permission(self, request) -> bool:
        return False  # only the visitor may subscribe an address (double opt-in)


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    """Systems' webhooks: who owns each, and whether (and why) it is paused."""

    list_display = ["url", "owner", "paused_at", "paused_reason", "consecutive_failures"]
    list_filter = ["paused_at"]
    list_select_related = ["owner"]
    readonly_fields = ["created_at", "consecutive_failures"]
    actions = ["resume_webhooks"]

    def has_add_permission(self, request) -> bool:
        return False  # registered through the API by the token holder

    @admin.action(description="Resume selected webhooks")
    def resume_webhooks(self, request, queryset):
        for webhook in queryset:
            webhook.resume()
