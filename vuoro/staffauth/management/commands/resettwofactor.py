"""`vuoro resettwofactor USERNAME`: the way back for a staff member (an administrator too) who lost
the phone with their authenticator app; they set up a new one at their next sign-in."""
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from vuoro.staffauth.services import second_factor_reset


class Command(BaseCommand):
    help = "Remove a staff member's second factor: they enrol again at their next sign-in."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        user_model = get_user_model()
        try:
            user = user_model.objects.get(**{user_model.USERNAME_FIELD: username})
        except user_model.DoesNotExist as exc:
            raise CommandError(f"No user {username!r}.") from exc
        removed = second_factor_reset(user=user)
        if removed:
            self.stdout.write(f"Removed {removed} second-factor device(s) of {username}: they set up a new one "
                              "at their next sign-in.")
        else:
            self.stdout.write(f"{username} had no second factor; nothing to do.")
        self.stdout.write(f"If {username} is also locked out by wrong passwords: vuoro axes_reset_username {username}")
