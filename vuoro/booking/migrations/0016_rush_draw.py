"""A release's rush counters (RushDraw) and each place's number (RushPlace.place): numbered once
at the draw, so that a poll is one read by primary key instead of a count of the lower keys.
Places taken before this migration are counted into `joined` (the estimate before the draw); the
numbering at the draw covers them like any other (those already past their draw included: their
keys put latecomers after the drawn, in order of arrival)."""
import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count


def count_joined(apps, schema_editor):
    RushPlace, RushDraw = apps.get_model("booking", "RushPlace"), apps.get_model("booking", "RushDraw")
    joined = RushPlace.objects.values("release_id").annotate(n=Count("*")).values_list("release_id", "n")
    RushDraw.objects.bulk_create([RushDraw(release_id=release_id, joined=n) for release_id, n in joined])


class Migration(migrations.Migration):

    dependencies = [
        ('booking', '0015_confirmed_email'),
        ('network', '0007_rush_draw_at_the_moment'),
    ]

    operations = [
        migrations.CreateModel(
            name='RushDraw',
            fields=[
                ('release', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='network.release')),
                ('joined', models.PositiveIntegerField(default=0)),
                ('drawn', models.PositiveIntegerField(blank=True, null=True)),
                ('late', models.PositiveIntegerField(default=0)),
                ('drawn_at', models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.AddField(
            model_name='rushplace',
            name='place',
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddConstraint(
            model_name='rushplace',
            constraint=models.UniqueConstraint(fields=('release', 'place'), name='one_rush_place_per_number'),
        ),
        migrations.RunPython(count_joined, migrations.RunPython.noop),
    ]
