"""Admin for immigration services, systems, overrides, closures and the simulator.

Every staff write goes through ``services.overrides`` (the same functions the API calls),
inside the office scope of ``offices.admin.OfficeScopedAdmin``. Overrides and closures are
never edited or deleted: they are cleared or ended, so the history stays whole.
"""

from . import decisions, offices, reference, systems  # noqa: F401  (register the admins)
from .display import badge, cause_words, look_badge, state_badge
from .names import in_language, localized_name, name_domain

name_domain()

__all__ = ["badge", "cause_words", "in_language", "localized_name", "look_badge", "state_badge"]
