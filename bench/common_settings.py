"""`make bench`'s plainest yardstick: the project's settings with only ``CommonMiddleware``
in front of the bare views, served by gunicorn with the Procfile's flags."""

from portal.settings import *  # noqa: F403

MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
ROOT_URLCONF = "bench.bare"
