from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "resonanz.incidents"
    label = "incidents"
    default_auto_field = "django.db.models.BigAutoField"
