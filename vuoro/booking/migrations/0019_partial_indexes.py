"""A booking's served-at desk is indexed only where it is set (a served visit): a new booking
writes no index entry for it. The old index is dropped by name (vuoro.migrating); Django's own
AlterField would drop and re-add the foreign key on PostgreSQL, checking every booking under a
lock that holds bookings up, and rebuild the table on SQLite."""
import django.db.models.deletion
from django.db import migrations, models

from vuoro.migrating import drop_column_indexes


def drop_index(apps, schema_editor):
    drop_column_indexes(schema_editor, "booking_booking", "served_at_desk_id")


def create_index(apps, schema_editor):
    schema_editor.execute("CREATE INDEX IF NOT EXISTS booking_booking_served_at_desk_id_single "
                          "ON booking_booking (served_at_desk_id)")


class Migration(migrations.Migration):

    dependencies = [
        ('booking', '0018_dayload_by_date'),
        ('network', '0012_rush_admit_every_seconds'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='booking',
                    name='served_at_desk',
                    field=models.ForeignKey(blank=True, db_index=False, null=True,
                                            on_delete=django.db.models.deletion.PROTECT, related_name='+',
                                            to='network.desk', verbose_name='served at desk'),
                ),
            ],
            database_operations=[migrations.RunPython(drop_index, create_index)],
        ),
        migrations.AddIndex(
            model_name='booking',
            index=models.Index(condition=models.Q(('served_at_desk__isnull', False)), fields=['served_at_desk'],
                               name='booking_served_desk'),
        ),
    ]
