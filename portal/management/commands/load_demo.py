from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD, load_demo, load_demo_client


class Command(BaseCommand):
    help = "Load the demo enterprises and people, and the demo's client of the decision point (once)."

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG:
            # Its passwords and the client's secret are in the README.
            raise CommandError("The demo data is for development only (DEBUG=1).")
        if load_demo():
            self.stdout.write(
                f"Demo data loaded. Logins: lr, mam, comam, am, gm, user, other; password {DEMO_PASSWORD}"
            )
        else:
            self.stdout.write("Demo data already present.")
        if load_demo_client():
            self.stdout.write(f"Demo client of the decision point: {DEMO_CLIENT_ID}, secret {DEMO_CLIENT_SECRET}")
        else:
            self.stdout.write(f"Demo client of the decision point already present: {DEMO_CLIENT_ID}")
