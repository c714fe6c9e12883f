FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY portal portal
COPY services services
COPY offices offices
RUN pip install .
COPY . .
RUN SECRET_KEY=build-only DATABASE_URL=sqlite:////tmp/build.sqlite3 ALLOWED_HOSTS=build \
    python manage.py collectstatic --noinput --verbosity 0
# var/ for the embedded defaults; the metrics folder is shared by web and workers (compose).
RUN useradd --system --home /app portal \
    && mkdir -p /app/var /var/lib/portal/metrics \
    && chown portal /app/var /var/lib/portal/metrics
USER portal
EXPOSE 8000
CMD ["gunicorn", "-c", "portal/gunicorn.conf.py", "portal.wsgi"]
