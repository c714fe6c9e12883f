"""Admin for immigration services, systems, overrides, closures and the simulator.

Every staff write goes through ``services.overrides`` (the same functions the API calls),
inside the office scope of ``offices.admin.OfficeScopedAdmin``. Overrides and closures are
never edited or deleted: they are cleared or ended, so the history stays whole.
"""

from . import decisions, offices, reference, systems  # noqa: F401  (register the admins)
from .display import CAUSE_WORDS, badge, look_badge, state_badge

__all__ = ["CAUSE_WORDS", "badge", "look_badge", "state_badge"]
