"""gunicorn settings: threads per worker from the CPU count, bounded requests per worker."""

import multiprocessing
import os

bind = f"{os.environ.get('BIND_HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_WORKERS", multiprocessing.cpu_count()))
threads = int(os.environ.get("WEB_THREADS", 4))
worker_class = "gthread"
timeout = int(os.environ.get("WEB_TIMEOUT", 30))
graceful_timeout = 10
keepalive = 5
# Recycle workers now and then (a guard against slow leaks), rarely enough that an outage-day
# surge of cheap requests does not keep restarting them.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", 200_000))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("WEB_ACCESS_LOG") or None
errorlog = "-"
