"""Content negotiation of the API."""

from __future__ import annotations

from rest_framework.negotiation import DefaultContentNegotiation


class JsonNegotiation(DefaultContentNegotiation):
    """Every API answer is JSON, whatever the Accept header asks: one rule for all JSON
    endpoints, prepared reads included (a client that cannot read JSON has no use of them)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
