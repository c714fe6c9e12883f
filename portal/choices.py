"""Django choices for advisories, from their tables in ``services/states.py``."""

from services import states
from services.choices import text_choices

AdvisorySeverity = text_choices(states.AdvisorySeverity, __name__)
AdvisoryPhase = text_choices(states.AdvisoryPhase, __name__)
