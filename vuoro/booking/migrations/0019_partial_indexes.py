"""A booking's served-at desk is indexed only where it is set (a served visit): a new booking
writes no index entry for it (vuoro.migrating.index_only_where_set)."""
import django.db.models.deletion
from django.db import migrations, models

from vuoro.migrating import index_only_where_set


class Migration(migrations.Migration):

    dependencies = [
        ('booking', '0018_dayload_by_date'),
        ('network', '0012_rush_admit_every_seconds'),
    ]

    operations = index_only_where_set(
        model_name='booking', table='booking_booking', column='served_at_desk_id', index_name='booking_served_desk',
        field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT,
                                related_name='+', to='network.desk', verbose_name='served at desk'))
