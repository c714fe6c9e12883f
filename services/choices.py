"""Django's choices for the domain's states, derived from the tables in ``services/states.py``.

Models, forms and the API read these; each label is the table's, in the active language
(English when none is active, as in migrations and the API schema).
"""

from __future__ import annotations

from django.db import models
from django.utils.functional import lazy
from django.utils.translation import get_language

from . import states


def _label(state: states.State) -> str:
    return state.label(get_language())


lazy_label = lazy(_label, str)


def text_choices(table: type[states.State], module: str = __name__) -> type[models.TextChoices]:
    """The ``TextChoices`` of a states table: the same values, labels in the active language.

    ``module`` is where the result is bound, so its members pickle by reference.
    """
    members = [(state.name, (state.value, lazy_label(state))) for state in table]
    return models.TextChoices(table.__name__, members, module=module)  # type: ignore[return-value]


SystemState = text_choices(states.SystemState)
StageState = text_choices(states.StageState)
ServiceState = text_choices(states.ServiceState)
ForcedState = text_choices(states.ForcedState)
MinimumState = text_choices(states.MinimumState)
ServiceMode = text_choices(states.ServiceMode)
StateSource = text_choices(states.StateSource)
Cause = text_choices(states.Cause)
FaultMode = text_choices(states.FaultMode)
ObservationError = text_choices(states.ObservationError)
