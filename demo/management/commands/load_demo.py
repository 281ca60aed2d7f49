from django.core.management.base import BaseCommand

from demo.loading import load_demo
from listings.demo import AGENTS, BUYERS, DEMO_PASSWORD
from purchases.demo import load_purchases_demo
from renovations.demo import load_renovation_demo


class Command(BaseCommand):
    help = "Load the demo cities, agents, buyers and listings. Running it again adds nothing."

    def handle(self, *args, **options):
        summary = load_demo()
        if load_renovation_demo():
            self.stdout.write("Demo renovation: buyer1's project, agent1 managing, buyer2 viewing.")
        if load_purchases_demo():
            self.stdout.write("Demo purchase: buyer2 buying from agent2, half-way through.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {summary['cities']} cities, {summary['active_listings']} active "
                f"listings ({summary['listings_created']} created now)."
            )
        )
        logins = [
            "admin",
            "verifier",
            *(agent[0] for agent in AGENTS),
            *(buyer[0] for buyer in BUYERS),
        ]
        self.stdout.write(f"Demo logins: {', '.join(logins)}; password: {DEMO_PASSWORD}")
