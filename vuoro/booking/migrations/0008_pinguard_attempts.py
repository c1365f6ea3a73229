from django.db import migrations


class Migration(migrations.Migration):
    """A PIN guard counts attempts taken before each check, not failures counted after it."""

    dependencies = [("booking", "0007_reservation_key_one_index")]

    operations = [migrations.RenameField(model_name="pinguard", old_name="failures", new_name="attempts")]
