"""Seed the staff groups: office staff and regional (Kanwil) staff, with their permissions.

Groups say *what* staff may do; OfficeMembership and RegionMembership say *where*.
Nobody gets a delete permission: overrides, closures and advisories are cleared or
ended, never deleted, so the history stays whole.
"""

from django.db import migrations

OFFICE_STAFF = "Staf kantor"
REGIONAL_STAFF = "Staf Kanwil"

OFFICE_PERMISSIONS = [
    ("offices", "view_region"),
    ("offices", "view_office"),
    ("offices", "view_officeclosure"),
    ("offices", "add_officeclosure"),
    ("offices", "change_officeclosure"),
    ("services", "view_stage"),
    ("services", "view_service"),
    ("services", "view_upstreamsystem"),
    ("services", "view_override"),
    ("services", "add_override"),
    ("services", "change_override"),
    ("services", "view_statusevent"),
    ("portal", "view_advisory"),
    ("portal", "add_advisory"),
    ("portal", "change_advisory"),
    ("portal", "view_advisoryupdate"),
    ("portal", "add_advisoryupdate"),
]
REGIONAL_PERMISSIONS = OFFICE_PERMISSIONS + [
    # Declaring a system's state by hand affects every office: regional staff only.
    ("services", "change_upstreamsystem"),
    ("services", "view_healthobservation"),
    ("services", "view_simulatedpdn"),
    ("services", "change_simulatedpdn"),
]


def ensure_permissions(apps, schema_editor) -> None:
    """Create model permissions now; Django only creates them after the whole migrate."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
        app_config.models_module = None


def seed_groups(apps, schema_editor) -> None:
    ensure_permissions(apps, schema_editor)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in ((OFFICE_STAFF, OFFICE_PERMISSIONS), (REGIONAL_STAFF, REGIONAL_PERMISSIONS)):
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in wanted:
            permission = Permission.objects.get(
                content_type__app_label=app_label, codename=codename
            )
            group.permissions.add(permission)


class Migration(migrations.Migration):

    dependencies = [
        ("offices", "0002_region_membership_and_closure_clearing"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("services", "0002_seed"),
        ("portal", "0001_initial"),
    ]

    operations = [migrations.RunPython(seed_groups, migrations.RunPython.noop)]
