from django.core.management.base import BaseCommand

from vuoro.network.networkfile import dump_network
from vuoro.network.selectors import network_export


class Command(BaseCommand):
    help = "Write the stored service network as a network file (to standard output, or to --output)."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="write to this file instead of standard output")

    def handle(self, *args, output=None, **options):
        text = dump_network(network_export())
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
        else:
            self.stdout.write(text, ending="")
