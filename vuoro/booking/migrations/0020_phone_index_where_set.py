"""The index of phones holds only bookings with one: the caps' check (services._PERSON_AT_CAP_SQL)
then has a generic plan whatever share of bookings has no phone, and a booking without one writes
no entry."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('booking', '0019_partial_indexes'),
        ('network', '0012_rush_admit_every_seconds'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='booking',
            name='booking_phone',
        ),
        migrations.AddIndex(
            model_name='booking',
            index=models.Index(condition=models.Q(('customer_phone', ''), _negated=True), fields=['customer_phone'], name='booking_phone_set'),
        ),
    ]
