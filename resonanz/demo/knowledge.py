"""The demo provider's knowledge base: router set-up, the outage FAQ, invoices and moving house, in German
and English, plus one internal article for agents. Written by hand for the demo (no real company)."""

from __future__ import annotations

from dataclasses import dataclass

from resonanz.knowledge.actions import ArticleInput, do_create_article, do_save_category
from resonanz.knowledge.models import Article
from resonanz.workspaces.models import Agent, Workspace

CATEGORIES = (
    ("internet-router", "Internet & Router", "Internet & router"),
    ("stoerungen", "Störungen", "Outages"),
    ("rechnung-vertrag", "Rechnung & Vertrag", "Invoices & contract"),
    ("umzug", "Umzug", "Moving house"),
)


@dataclass(frozen=True)
class DemoArticle:
    slug: str
    category: str
    title_de: str
    body_de: str
    title_en: str = ""
    body_en: str = ""
    visibility: str = Article.Visibility.PUBLIC
    video_url: str = ""
    transcript_de: str = ""
    transcript_en: str = ""


ARTICLES = (
    DemoArticle(
        slug="router-einrichten",
        category="internet-router",
        title_de="Router einrichten: Schritt für Schritt",
        body_de="""Ihr Netzwelt-Router ist vorkonfiguriert. In den meisten Fällen sind Sie in 10 Minuten online.

## Anschließen

1. Verbinden Sie den Router mit dem grauen DSL-Kabel mit der **ersten Buchse Ihrer Telefondose** (TAE).
2. Stecken Sie das Netzteil ein. Die Power-LED blinkt, dann leuchtet sie dauerhaft grün.
3. Warten Sie, bis auch die **Internet-LED** grün leuchtet (bis zu 15 Minuten beim ersten Start).

## WLAN verbinden

Name (SSID) und WLAN-Schlüssel stehen auf dem Aufkleber an der Unterseite des Routers.

## Wenn die Internet-LED rot bleibt

- Prüfen Sie, ob das Kabel in der richtigen Buchse steckt.
- Öffnen Sie im Browser `http://router.netzwelt` und geben Sie die **persönlichen Zugangsdaten** aus
  Ihrem Auftragsschreiben ein.
- Hilft das nicht, schauen Sie auf unsere [Störungsseite](https://status.netzwelt.example) oder schreiben Sie
  uns.""",
        title_en="Setting up your router, step by step",
        body_en="""Your Netzwelt router comes preconfigured. Most customers are online within 10 minutes.

## Connect

1. Plug the grey DSL cable into the **first socket of your phone wall socket** (TAE).
2. Plug in the power supply. The power LED flashes, then stays green.
3. Wait until the **internet LED** is green too (up to 15 minutes on the first start).

## Join the Wi-Fi

The network name (SSID) and Wi-Fi key are on the sticker underneath the router.

## If the internet LED stays red

- Check that the cable is in the right socket.
- Open `http://router.netzwelt` in your browser and enter the **personal access data** from your order
  letter.
- Still no luck? Check our [status page](https://status.netzwelt.example) or write to us.""",
        video_url="https://video.netzwelt.example/router-einrichten",
        transcript_de="Hallo, ich zeige Ihnen, wie Sie Ihren Netzwelt-Router anschließen. Zuerst das graue Kabel "
        "in die Telefondose, dann das Netzteil. Nach etwa zehn Minuten leuchtet die Internet-LED grün.",
        transcript_en="Hi, I'll show you how to connect your Netzwelt router. First the grey cable into the wall "
        "socket, then the power supply. After about ten minutes the internet LED turns green.",
    ),
    DemoArticle(
        slug="stoerung-faq",
        category="stoerungen",
        title_de="Störung: häufige Fragen",
        body_de="""## Woher weiß ich, ob es eine Störung in meiner Gegend gibt?

Auf [status.netzwelt.example](https://status.netzwelt.example) sehen Sie bekannte Störungen nach
Postleitzahl. Dort steht auch, wann wir mit der Behebung rechnen.

## Was kann ich selbst tun?

1. Router 30 Sekunden vom Strom trennen und wieder einstecken.
2. Ein anderes Gerät testen (Laptop per Kabel).
3. Bleibt es dabei, melden Sie die Störung mit Ihrer Kundennummer.

## Bekomme ich Geld zurück?

Ja. Ist Ihr Anschluss ab dem dritten Kalendertag nach Ihrer Meldung gestört, erhalten Sie eine
**Entschädigung** nach § 58 TKG. Sie wird automatisch auf der nächsten Rechnung gutgeschrieben.

## Kommt ein Techniker?

Wenn die Ursache bei Ihnen zu Hause liegt, vereinbaren wir einen Termin. Bei Störungen im Netz ist das nicht
nötig.""",
        title_en="Outages: frequently asked questions",
        body_en="""## How do I know whether there is an outage in my area?

[status.netzwelt.example](https://status.netzwelt.example) shows known outages by postcode, with the time we
expect them to be fixed.

## What can I do myself?

1. Unplug the router for 30 seconds and plug it back in.
2. Try another device (a laptop on a cable).
3. Still down? Report the fault with your customer number.

## Do I get money back?

Yes. If your line is down from the third calendar day after you reported it, you receive **compensation**
under § 58 TKG (German Telecommunications Act). It is credited automatically on your next invoice.

## Will a technician come?

If the cause is in your home, we arrange an appointment. For network outages that is not needed.""",
    ),
    DemoArticle(
        slug="rechnung-verstehen",
        category="rechnung-vertrag",
        title_de="Ihre Rechnung verstehen",
        body_de="""Ihre Rechnung kommt jeden Monat zum 1. per E-Mail und steht im Kundenportal.

| Posten | Bedeutung |
|---|---|
| Grundgebühr | Ihr Tarif für den laufenden Monat |
| Einmalige Beträge | z. B. Bereitstellung, Versand des Routers |
| Gutschriften | z. B. Entschädigung nach einer Störung |

Der Betrag wird um den **5. des Monats** per Lastschrift eingezogen.

**Höher als sonst?** Im ersten Monat berechnen wir anteilig ab dem Schalttag und ggf. die Bereitstellung.
Stimmt etwas nicht, schreiben Sie uns mit Rechnungsnummer, wir prüfen das.""",
        title_en="Understanding your invoice",
        body_en="""Your invoice arrives by e-mail on the 1st of every month and is in the customer portal.

| Item | Meaning |
|---|---|
| Monthly fee | your plan for the current month |
| One-off charges | e.g. activation, router shipping |
| Credits | e.g. compensation after an outage |

The amount is collected by direct debit around the **5th of the month**.

**Higher than usual?** In the first month we charge pro rata from the activation day, plus activation if
applicable. If something looks wrong, write to us with the invoice number and we will check it.""",
    ),
    DemoArticle(
        slug="umzug",
        category="umzug",
        title_de="Umzug: Ihren Anschluss mitnehmen",
        body_de="""Sie ziehen um? Ihren Vertrag nehmen Sie mit, zu gleichen Konditionen, wenn wir am neuen Ort
die gleiche Leistung anbieten.

1. Melden Sie den Umzug **mindestens sechs Wochen vorher** im Kundenportal oder bei uns.
2. Wir prüfen die Verfügbarkeit an der neuen Adresse und nennen Ihnen den Schalttermin.
3. Den Router nehmen Sie einfach mit.

Können wir am neuen Wohnort nicht liefern, dürfen Sie mit **einem Monat Frist** kündigen (§ 60 TKG).""",
        title_en="Moving house: take your line with you",
        body_en="""Moving? Your contract moves with you on the same terms if we offer the same service at the new
address.

1. Tell us about the move **at least six weeks ahead**, in the customer portal or by writing to us.
2. We check availability at the new address and give you the activation date.
3. Simply take your router with you.

If we cannot supply the new address, you may cancel with **one month's notice** (§ 60 TKG).""",
    ),
    DemoArticle(
        slug="eskalation-technik",
        category="stoerungen",
        title_de="Intern: Wann an die Technik eskalieren",
        body_de="""Nur für Servicekräfte.

- Leitungsmessung zeigt **Sync, aber kein PPP**: Zugangsdaten prüfen, dann Team Technik.
- **Kein Sync** und keine bekannte Störung im PLZ-Gebiet: Ticket an Team Technik mit Messprotokoll.
- Mehr als fünf Meldungen aus einem PLZ-Gebiet in 30 Minuten: als Störung melden.""",
        visibility=Article.Visibility.INTERNAL,
    ),
)


def ensure_knowledge_base(workspace: Workspace, author: Agent | None = None) -> int:
    """Create the demo articles that are missing (safe to run twice); returns how many were created."""
    for position, (slug, name_de, name_en) in enumerate(CATEGORIES):
        do_save_category(workspace, slug, name_de, name_en, position)
    existing = set(Article.objects.filter(workspace=workspace).values_list("slug", "language"))
    created = 0
    for demo in ARTICLES:
        versions = [("de", demo.title_de, demo.body_de, demo.transcript_de)]
        if demo.title_en:
            versions.append(("en", demo.title_en, demo.body_en, demo.transcript_en))
        for language, title, body, transcript in versions:
            if (demo.slug, language) in existing:
                continue
            do_create_article(
                workspace,
                author,
                ArticleInput(
                    title=title,
                    body=body,
                    language=language,
                    slug=demo.slug,
                    category_slug=demo.category,
                    visibility=demo.visibility,
                    status=Article.Status.PUBLISHED,
                    video_url=demo.video_url,
                    video_transcript=transcript,
                ),
            )
            created += 1
    return created
