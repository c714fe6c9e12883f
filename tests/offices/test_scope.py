"""Which offices a staff account may act on, and what the seeded groups allow."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group, User

from offices.models import OFFICE_STAFF_GROUP, REGIONAL_STAFF_GROUP, Office, Region

from .staff import office_staff, regional_staff

pytestmark = pytest.mark.django_db


def codes(offices) -> set[str]:
    return set(offices.values_list("code", flat=True))


def test_office_staff_act_on_their_own_office_only():
    user = office_staff("staff-muara-enim", "muara-enim")
    assert codes(Office.objects.for_user(user)) == {"muara-enim"}


def test_regional_staff_act_on_every_office_of_their_region():
    user = regional_staff("kanwil-sumsel")
    assert codes(Office.objects.for_user(user)) == {"palembang", "muara-enim"}


def test_a_region_membership_covers_offices_added_to_the_region_later():
    user = regional_staff("kanwil-sumsel")
    Office.objects.create(
        code="baturaja", name="Kanim Baturaja", office_class="iii", region=Region.objects.get()
    )
    assert "baturaja" in codes(Office.objects.for_user(user))


def test_regional_staff_do_not_reach_other_regions():
    user = regional_staff("kanwil-sumsel")
    other = Region.objects.create(code="jambi", name="Kanwil Jambi")
    Office.objects.create(code="jambi", name="Kanim Jambi", office_class="i", region=other)
    assert "jambi" not in codes(Office.objects.for_user(user))


def test_superusers_act_on_every_office():
    user = User.objects.create_superuser("root", "", "x")
    assert codes(Office.objects.for_user(user)) == set(
        Office.objects.values_list("code", flat=True)
    )


def test_anonymous_inactive_and_unassigned_accounts_act_on_nothing():
    inactive = office_staff("gone", "palembang")
    inactive.is_active = False
    inactive.save()
    unassigned = User.objects.create_user("nobody", "", "x", is_staff=True)
    for user in (AnonymousUser(), inactive, unassigned, None):
        assert not Office.objects.for_user(user).exists()


def test_an_account_with_both_memberships_gets_each_office_once():
    user = regional_staff("both")
    user.office_memberships.create(office=Office.objects.get(code="palembang"))
    assert Office.objects.for_user(user).count() == 2


def permissions(group: str) -> set[str]:
    rows = Group.objects.get(name=group).permissions.select_related("content_type")
    return {f"{p.content_type.app_label}.{p.codename}" for p in rows}


def test_office_staff_group_may_override_close_and_advise_but_not_declare():
    granted = permissions(OFFICE_STAFF_GROUP)
    assert {
        "services.add_override",
        "services.change_override",
        "offices.add_officeclosure",
        "portal.add_advisory",
        "services.view_statusevent",
    } <= granted
    assert "services.change_upstreamsystem" not in granted
    assert "services.change_simulatedpdn" not in granted


def test_regional_group_may_also_declare_systems_and_drive_the_simulator():
    granted = permissions(REGIONAL_STAFF_GROUP)
    assert permissions(OFFICE_STAFF_GROUP) < granted
    assert {"services.change_upstreamsystem", "services.change_simulatedpdn"} <= granted


@pytest.mark.parametrize("group", [OFFICE_STAFF_GROUP, REGIONAL_STAFF_GROUP])
def test_no_staff_group_may_delete_anything(group):
    assert not any(p.split(".")[1].startswith("delete_") for p in permissions(group))
