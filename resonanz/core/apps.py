from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    name = "resonanz.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from resonanz.core import lookups

        lookups.register()  # `__in` as one array on PostgreSQL (decision 0881)
        # Each app's tasks.py registers its tasks and periodic jobs with the queue seam.
        autodiscover_modules("tasks")
