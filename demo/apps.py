from django.apps import AppConfig


class DemoConfig(AppConfig):
    """What `make run` needs beside the server: demo data and the periodic tasks without Redis.

    The top of the layers (docs/architecture.md): it calls every app's own demo function.
    """

    name = "demo"
