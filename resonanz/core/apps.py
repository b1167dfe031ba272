from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    name = "resonanz.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Each app's tasks.py registers its tasks and periodic jobs with the queue seam.
        autodiscover_modules("tasks")
