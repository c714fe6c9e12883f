"""Staff accounts for scope tests: office staff, regional (Kanwil) staff, superusers."""

from __future__ import annotations

from django.contrib.auth.models import Group, User

from offices.models import (
    OFFICE_STAFF_GROUP,
    REGIONAL_STAFF_GROUP,
    Office,
    OfficeMembership,
    Region,
    RegionMembership,
)

PASSWORD = "correct horse battery staple"


def office_staff(username: str, office: str) -> User:
    """A staff account of one office, in the seeded office-staff group."""
    user = User.objects.create_user(username, "", PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=OFFICE_STAFF_GROUP))
    OfficeMembership.objects.create(user=user, office=Office.objects.get(code=office))
    return user


def regional_staff(username: str, region: str = "sumsel") -> User:
    """A Kanwil staff account acting on every office of ``region``."""
    user = User.objects.create_user(username, "", PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=REGIONAL_STAFF_GROUP))
    RegionMembership.objects.create(user=user, region=Region.objects.get(code=region))
    return user
