from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "resonanz.community"
    label = "community"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # the app channel's customer API shows matching public answers while the customer types
        from resonanz.channels.app import deflection
        from resonanz.community.deflection import WidgetDeflection

        deflection.register(WidgetDeflection())
