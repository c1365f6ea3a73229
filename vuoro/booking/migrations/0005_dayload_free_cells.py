from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("booking", "0004_booking_called_at_booking_checked_in_at_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="dayload",
            name="calendar_key",
            field=models.CharField(blank=True, default="", max_length=32),
        ),
        migrations.AddField(
            model_name="dayload",
            name="free_cells",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AddField(
            model_name="dayload",
            name="free_run_minutes",
            field=models.IntegerField(blank=True, null=True),
        ),
    ]
