"""The models and their migrations agree: no change is left without a migration."""
import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_every_model_change_has_its_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)  # exits non-zero when one is missing
