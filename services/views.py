"""The simulated PDN's health endpoint."""

from __future__ import annotations

import json
import time

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .choices import FaultMode
from .models import SimulatedPdn
from .simulator import health_document


@never_cache
@require_GET
def pdn_health(request: HttpRequest) -> HttpResponse:
    """GET /simulator/pdn/health: the simulated PDN's health, or the fault it is told to show."""
    if not settings.SIMULATOR_ENABLED:
        raise Http404("The simulator is disabled (SIMULATOR_ENABLED).")
    pdn = SimulatedPdn.load()
    if pdn.fault == FaultMode.ERROR:
        return JsonResponse({"error": "simulated internal error"}, status=500)
    if pdn.fault == FaultMode.GARBAGE:
        return HttpResponse(b"<html>\x00{not json", content_type="application/json")
    if pdn.fault == FaultMode.TIMEOUT:
        time.sleep(settings.SIMULATOR_HANG_SECONDS)
    elif pdn.fault == FaultMode.SLOW:
        time.sleep(settings.SIMULATOR_SLOW_SECONDS)
    return HttpResponse(json.dumps(health_document(pdn)), content_type="application/json")
