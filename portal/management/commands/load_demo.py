from django.core.management.base import BaseCommand

from portal.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load the demo enterprises and people (once)."

    def handle(self, *args: object, **options: object) -> None:
        if load_demo():
            self.stdout.write(
                f"Demo data loaded. Logins: lr, mam, comam, am, gm, user, other; password {DEMO_PASSWORD}"
            )
        else:
            self.stdout.write("Demo data already present.")
