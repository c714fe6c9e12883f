"""python manage.py ensure_admin: create the embedded run's admin account once."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create the 'admin' superuser with a random password, printed once (embedded run only)."

    def handle(self, *args, **options) -> None:
        if not settings.EMBEDDED:
            raise CommandError(
                "ensure_admin is for the embedded run; use createsuperuser in production"
            )
        users = get_user_model()
        if users.objects.filter(username="admin").exists():
            self.stdout.write("admin account exists (password was printed when it was created)")
            return
        password = secrets.token_urlsafe(12)
        users.objects.create_superuser("admin", "", password)
        self.stdout.write(
            self.style.SUCCESS(f"admin account created: username admin, password {password}")
        )
        self.stdout.write("This password is shown once; change it in the admin.")
