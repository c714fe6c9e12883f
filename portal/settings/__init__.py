"""Settings, read from the environment only here.

Embedded run (no ``DATABASE_URL``): SQLite under ``var/``, Celery on the filesystem broker,
local-memory cache, a secret key generated once into ``var/``. Production-like run
(``DATABASE_URL`` set): PostgreSQL, Redis when ``REDIS_URL`` is set, and every secret
must be given.
"""

from .base import *  # noqa: F403
from .notifications import *  # noqa: F403
from .web import *  # noqa: F403
