"""A notice's service point is indexed only where it is set (a message about something other
than a booking): a booking's notices write no index entry for it, nor for its `LIKE` twin on
PostgreSQL, which no query used. The old indexes are dropped by name (vuoro.migrating)."""
import django.db.models.deletion
from django.db import migrations, models

from vuoro.migrating import drop_column_indexes


def drop_index(apps, schema_editor):
    drop_column_indexes(schema_editor, "notify_notice", "service_point_id")


def create_index(apps, schema_editor):
    schema_editor.execute("CREATE INDEX IF NOT EXISTS notify_notice_service_point_id_single "
                          "ON notify_notice (service_point_id)")


class Migration(migrations.Migration):

    dependencies = [
        ('booking', '0019_partial_indexes'),
        ('network', '0012_rush_admit_every_seconds'),
        ('notify', '0007_verbose_names'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='notice',
                    name='service_point',
                    field=models.ForeignKey(blank=True, db_index=False, null=True,
                                            on_delete=django.db.models.deletion.CASCADE, related_name='+',
                                            to='network.servicepoint', verbose_name='service point'),
                ),
            ],
            database_operations=[migrations.RunPython(drop_index, create_index)],
        ),
        migrations.AddIndex(
            model_name='notice',
            index=models.Index(condition=models.Q(('service_point__isnull', False)), fields=['service_point'],
                               name='notice_point'),
        ),
    ]
