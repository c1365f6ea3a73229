"""A notice's service point is indexed only where it is set (a message about something other
than a booking): a booking's notices write no index entry for it, nor for its `LIKE` twin on
PostgreSQL, which no query used (vuoro.migrating.index_only_where_set)."""
import django.db.models.deletion
from django.db import migrations, models

from vuoro.migrating import index_only_where_set


class Migration(migrations.Migration):

    dependencies = [
        ('booking', '0019_partial_indexes'),
        ('network', '0012_rush_admit_every_seconds'),
        ('notify', '0007_verbose_names'),
    ]

    operations = index_only_where_set(
        model_name='notice', table='notify_notice', column='service_point_id', index_name='notice_point',
        field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE,
                                related_name='+', to='network.servicepoint', verbose_name='service point'))
