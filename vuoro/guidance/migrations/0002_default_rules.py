from django.db import migrations

from vuoro.guidance.defaults import install_default_rules


def install(apps, schema_editor):
    rule_model = apps.get_model("guidance", "GuidanceRule")
    if not rule_model.objects.exists():
        install_default_rules(rule_model)


class Migration(migrations.Migration):
    dependencies = [("guidance", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
