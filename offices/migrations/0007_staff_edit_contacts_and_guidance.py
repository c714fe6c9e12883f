"""Office staff keep their offices' contacts (the admin lets them change those fields only);
regional staff also edit the guidance shown per service and state."""

from django.db import migrations

GRANTS = {
    "Staf kantor": [("offices", "change_office"), ("offices", "view_serviceguidance")],
    "Staf Kanwil": [
        ("offices", "change_office"),
        ("offices", "view_serviceguidance"),
        ("offices", "change_serviceguidance"),
    ],
}


def grant(apps, schema_editor) -> None:
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in wanted:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("offices", "0006_seed_service_guidance"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
