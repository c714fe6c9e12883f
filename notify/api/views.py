"""REST API v1: a token holder's webhook subscriptions (register, list, pause, delete)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from portal.api.errors import NotFound
from portal.api.writes import ID, TokenWriteMixin

from ..models import Webhook
from .serializers import WebhookCreatedSerializer, WebhookSerializer

MAX_WEBHOOKS_PER_OWNER = 20


class TokenHolder(permissions.BasePermission):
    """Any holder of a usable API token (webhooks read only what is public)."""

    def has_permission(self, request, view) -> bool:
        return request.auth is not None and request.user.is_authenticated


class WebhookViewSet(TokenWriteMixin, viewsets.GenericViewSet):
    """Signed deliveries of status changes to another system's URL."""

    serializer_class = WebhookSerializer
    permission_classes = [TokenHolder]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    noun = "webhook"

    def get_queryset(self) -> QuerySet:
        return Webhook.objects.filter(owner=self.request.user).prefetch_related("offices")

    def get_object(self) -> Webhook:
        pk = self.kwargs["pk"]
        found = self.get_queryset().filter(pk=int(pk)).first() if pk.isdigit() else None
        if found is None:
            raise NotFound("id", f"No webhook {pk[:20]!r} of this token's owner.")
        return found

    def list(self, request: Request) -> Response:
        """The token owner's webhooks (their secrets are not shown again)."""
        return Response(WebhookSerializer(self.get_queryset(), many=True).data)

    @extend_schema(parameters=[ID])
    def retrieve(self, request: Request, pk: str) -> Response:
        """One webhook: whether it is paused, and why."""
        return Response(WebhookSerializer(self.get_object()).data)

    @extend_schema(request=WebhookSerializer, responses={201: WebhookCreatedSerializer})
    def create(self, request: Request) -> Response:
        """Register a URL; the answer carries the signing secret, shown this once."""
        serializer = WebhookSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if self.get_queryset().count() >= MAX_WEBHOOKS_PER_OWNER:
            raise ValidationError({"url": f"At most {MAX_WEBHOOKS_PER_OWNER} webhooks per owner."})
        body = serializer.validated_data
        with transaction.atomic():
            webhook = Webhook.objects.create(owner=request.user, url=body["url"])
            webhook.offices.set(body.get("offices", []))
            if body.get("paused"):
                webhook.pause(timezone.now(), "Paused by its owner.")
        data = WebhookCreatedSerializer(webhook).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[ID], request=WebhookSerializer, responses={200: WebhookSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        """Change the URL or offices, or pause (``"paused": true``) and resume."""
        webhook = self.get_object()
        serializer = WebhookSerializer(webhook, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        body = serializer.validated_data
        with transaction.atomic():
            if "url" in body:
                webhook.url = body["url"]
                webhook.save(update_fields=["url"])
            if "offices" in body:
                webhook.offices.set(body["offices"])
            if body.get("paused") is True and not webhook.paused:
                webhook.pause(timezone.now(), "Paused by its owner.")
            elif body.get("paused") is False and webhook.paused:
                webhook.resume()
        return Response(WebhookSerializer(self.get_queryset().get(pk=webhook.pk)).data)

    @extend_schema(parameters=[ID], request=None, responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        """Delete a webhook; its deliveries not yet sent are dropped."""
        self.get_object().delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
