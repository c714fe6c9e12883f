"""python manage.py ensure_admin: create the embedded run's admin and demo staff accounts once."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from offices.models import (
    OFFICE_STAFF_GROUP,
    REGIONAL_STAFF_GROUP,
    Office,
    OfficeMembership,
    Region,
    RegionMembership,
)

# (username, office code or None, region code or None): one account per seeded office,
# and one for the regional office that oversees both.
DEMO_ACCOUNTS = [
    ("staff-palembang", "palembang", None),
    ("staff-muara-enim", "muara-enim", None),
    ("kanwil-sumsel", None, "sumsel"),
]


class Command(BaseCommand):
    help = (
        "Create the 'admin' superuser and the demo staff accounts (staff-palembang, "
        "staff-muara-enim, kanwil-sumsel) with random passwords, printed once "
        "(embedded run only)."
    )

    def handle(self, *args, **options) -> None:
        if not settings.EMBEDDED:
            raise CommandError(
                "ensure_admin is for the embedded run; use createsuperuser in production"
            )
        created = self.ensure_superuser()
        for username, office, region in DEMO_ACCOUNTS:
            created |= self.ensure_staff(username, office=office, region=region)
        if created:
            self.stdout.write("These passwords are shown once; change them in the admin.")

    def ensure_superuser(self) -> bool:
        users = get_user_model()
        if users.objects.filter(username="admin").exists():
            self.stdout.write("admin account exists (password was printed when it was created)")
            return False
        password = secrets.token_urlsafe(12)
        users.objects.create_superuser("admin", "", password)
        self.announce("admin", password, "superuser")
        return True

    def ensure_staff(self, username: str, *, office: str | None, region: str | None) -> bool:
        """Create one demo staff account tied to an office or a region, unless it exists."""
        users = get_user_model()
        if users.objects.filter(username=username).exists():
            self.stdout.write(f"{username} account exists")
            return False
        target = (
            Office.objects.filter(code=office).first()
            if office
            else Region.objects.filter(code=region).first()
        )
        if target is None:  # the seed was changed: nothing to tie the account to
            self.stdout.write(f"{username}: {office or region} not found, account not created")
            return False
        password = secrets.token_urlsafe(12)
        with transaction.atomic():
            user = users.objects.create_user(username, "", password, is_staff=True)
            if office:
                OfficeMembership.objects.create(user=user, office=target)
                user.groups.add(Group.objects.get(name=OFFICE_STAFF_GROUP))
            else:
                RegionMembership.objects.create(user=user, region=target)
                user.groups.add(Group.objects.get(name=REGIONAL_STAFF_GROUP))
        self.announce(username, password, target.name)
        return True

    def announce(self, username: str, password: str, role: str) -> None:
        self.stdout.write(
            self.style.SUCCESS(f"{username} account created ({role}): password {password}")
        )
