from django.apps import AppConfig


class UnderstandingConfig(AppConfig):
    name = "resonanz.understanding"
    label = "understanding"
    default_auto_field = "django.db.models.BigAutoField"
