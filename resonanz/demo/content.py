"""Hand-written building blocks of the demo workspace "Netzwelt Kommunikation", a fictional German
provider of internet, mobile and TV. Every name, handle, number and sentence here is invented; e-mail
addresses use the reserved example domains and phone numbers come from the ranges the Bundesnetzagentur
keeps for fiction. `generate.py` combines these fragments with a seeded random into three days of traffic.

Slots in curly braces are filled by the generator: {city}, {district}, {plz}, {since}, {at_device}, {with_device}, {amount},
{month}, {product}, {first} (the customer's first name) and {agent} (the answering agent's first name).
"""

from __future__ import annotations

from dataclasses import dataclass

from resonanz.workspaces.passwords import PUBLISHED_DEMO_PASSWORD

WORKSPACE_NAME = "Netzwelt Kommunikation"
SUPPORT_HANDLE = "@netzwelt_hilft"
# The documented demo login; accepted only in the demo workspace (resonanz/workspaces/passwords.py).
DEMO_PASSWORD = PUBLISHED_DEMO_PASSWORD

TEAMS = ["1st Level", "Technik", "Abrechnung", "Social Media"]

SKILLS = [
    "Störungen",
    "Router & Geräte",
    "Glasfaser",
    "Mobilfunk",
    "TV",
    "Rechnungen",
    "Verträge",
    "Beschwerden",
    "Sensible Anliegen",
    "Englisch",
]


@dataclass(frozen=True)
class DemoAgent:
    username: str
    display_name: str
    role: str
    teams: tuple[str, ...]
    skills: tuple[str, ...]
    languages: tuple[str, ...] = ("de",)
    presence: str = "online"
    capacity: int = 20


AGENTS = [
    DemoAgent(
        "demo",
        "Jana Wöhler",
        "admin",
        ("Social Media",),
        ("Beschwerden", "Sensible Anliegen", "Englisch"),
        ("de", "en"),
    ),
    DemoAgent("mia", "Mia Kramer", "agent", ("Social Media",), ("Störungen", "Beschwerden"), ("de", "en")),
    DemoAgent("lukas", "Lukas Brandt", "agent", ("Social Media",), ("Mobilfunk", "Englisch"), ("de", "en")),
    DemoAgent(
        "aylin", "Aylin Demir", "agent", ("Social Media", "1st Level"), ("TV", "Verträge"), ("de", "tr")
    ),
    DemoAgent("tobias", "Tobias Keller", "lead", ("1st Level",), ("Verträge", "Beschwerden")),
    DemoAgent("sophie", "Sophie Neumann", "agent", ("1st Level",), ("Verträge", "Mobilfunk")),
    DemoAgent("jonas", "Jonas Richter", "agent", ("1st Level",), ("Router & Geräte", "TV"), presence="away"),
    DemoAgent("emre", "Emre Yılmaz", "agent", ("1st Level",), ("Mobilfunk", "Englisch"), ("de", "tr", "en")),
    DemoAgent("katrin", "Katrin Vogel", "agent", ("1st Level",), ("Verträge",), presence="offline"),
    DemoAgent("hannah", "Hannah Berger", "agent", ("1st Level",), ("TV", "Router & Geräte")),
    DemoAgent("felix", "Felix Schubert", "lead", ("Technik",), ("Störungen", "Glasfaser", "Router & Geräte")),
    DemoAgent("marek", "Marek Nowak", "agent", ("Technik",), ("Störungen", "Glasfaser"), ("de", "pl", "en")),
    DemoAgent("lea", "Lea Hartmann", "agent", ("Technik",), ("Router & Geräte", "TV")),
    DemoAgent("dennis", "Dennis Krüger", "agent", ("Technik",), ("Störungen", "Mobilfunk"), presence="away"),
    DemoAgent("oliver", "Oliver Seidel", "agent", ("Technik",), ("Glasfaser",), presence="offline"),
    DemoAgent("nadine", "Nadine Franke", "lead", ("Abrechnung",), ("Rechnungen", "Sensible Anliegen")),
    DemoAgent("paul", "Paul Zimmermann", "agent", ("Abrechnung",), ("Rechnungen", "Verträge")),
    DemoAgent(
        "fatma", "Fatma Aksoy", "agent", ("Abrechnung",), ("Rechnungen", "Sensible Anliegen"), ("de", "tr")
    ),
    DemoAgent("sandra", "Sandra Lorenz", "agent", ("Abrechnung",), ("Rechnungen",), presence="offline"),
    DemoAgent(
        "ricarda",
        "Ricarda Sommer",
        "agent",
        ("Social Media", "Abrechnung"),
        ("Rechnungen", "Englisch"),
        ("de", "en"),
    ),
]

# Which agents answer which kind of concern in the demo (the routing helper decides for live traffic).
ANSWERERS = {
    "social": ["demo", "mia", "lukas", "aylin", "ricarda"],
    "tech": ["felix", "marek", "lea", "dennis"],
    "billing": ["nadine", "paul", "fatma"],
    "first": ["sophie", "jonas", "emre", "hannah", "tobias"],
}


@dataclass(frozen=True)
class ChannelSpec:
    name: str
    imitates: str
    is_public: bool


CHANNELS = [
    ChannelSpec("X @netzwelt_hilft", "x", True),
    ChannelSpec("Facebook Netzwelt Kommunikation", "facebook", True),
    ChannelSpec("Community-Forum", "forum", True),
    ChannelSpec("E-Mail service@netzwelt.example", "email", False),
    ChannelSpec("Netzwelt-App", "app", False),
    ChannelSpec("Telefon (Gesprächsnotizen)", "phone", False),
]

# City → (postal codes, districts, fictional phone prefix, Bundesland). Phone numbers in the demo use the
# ranges the Bundesnetzagentur keeps for film and fiction (e.g. 0221 4710 xxx, 030 23125 xxx).
PhoneRange = tuple[str, int, int, int]  # prefix, lowest, highest, digits
CITIES: dict[str, tuple[tuple[str, ...], tuple[str, ...], PhoneRange, str]] = {
    "Köln": (
        ("50667", "50823", "50733", "50937", "51063", "50999", "51105", "50825", "50674", "51143"),
        ("Ehrenfeld", "Nippes", "Sülz", "Mülheim", "Kalk", "Deutz", "Rodenkirchen", "Lindenthal", "Porz"),
        ("+492214710", 0, 999, 3),
        "Nordrhein-Westfalen",
    ),
    "Leipzig": (
        ("04109", "04177", "04229", "04275", "04315", "04155"),
        ("Plagwitz", "Connewitz", "Gohlis", "Reudnitz", "Lindenau"),
        ("+491522881", 7386, 9999, 4),
        "Sachsen",
    ),
    "Berlin": (
        ("10115", "10245", "10437", "12043", "10961", "13353", "10585"),
        ("Friedrichshain", "Prenzlauer Berg", "Neukölln", "Kreuzberg", "Wedding", "Charlottenburg"),
        ("+493023125", 0, 999, 3),
        "Berlin",
    ),
    "Hamburg": (
        ("20095", "22765", "20357", "22081", "21073"),
        ("Altona", "Eimsbüttel", "Barmbek", "Harburg", "St. Pauli"),
        ("+494066969", 0, 999, 3),
        "Hamburg",
    ),
    "München": (
        ("80331", "80469", "81667", "80797", "81369"),
        ("Schwabing", "Haidhausen", "Sendling", "Giesing", "Maxvorstadt"),
        ("+498999998", 0, 999, 3),
        "Bayern",
    ),
    "Frankfurt am Main": (
        ("60311", "60316", "60486", "60594"),
        ("Bornheim", "Bockenheim", "Sachsenhausen", "Nordend"),
        ("+496990009", 0, 999, 3),
        "Hessen",
    ),
    "Dresden": (
        ("01067", "01099", "01277", "01159"),
        ("Neustadt", "Striesen", "Löbtau"),
        ("+4917139", 200000, 239999, 6),
        "Sachsen",
    ),
    "Stuttgart": (
        ("70173", "70197", "70372"),
        ("West", "Bad Cannstatt", "Vaihingen"),
        ("+4917139", 240000, 279999, 6),
        "Baden-Württemberg",
    ),
    "Bochum": (
        ("44787", "44791", "44799"),
        ("Ehrenfeld", "Wiemelhausen", "Langendreer"),
        ("+4917139", 280000, 319999, 6),
        "Nordrhein-Westfalen",
    ),
    "Hannover": (
        ("30159", "30161", "30451"),
        ("Linden", "List", "Südstadt"),
        ("+4917139", 320000, 359999, 6),
        "Niedersachsen",
    ),
    "Nürnberg": (
        ("90402", "90419", "90459"),
        ("Gostenhof", "St. Johannis", "Südstadt"),
        ("+4917139", 360000, 399999, 6),
        "Bayern",
    ),
    "Bremen": (
        ("28195", "28203", "28209"),
        ("Viertel", "Findorff", "Neustadt"),
        ("+491760469", 0, 1999, 4),
        "Bremen",
    ),
    "Münster": (
        ("48143", "48145", "48153"),
        ("Kreuzviertel", "Hiltrup", "Mauritz"),
        ("+491760469", 2000, 3999, 4),
        "Nordrhein-Westfalen",
    ),
    "Freiburg": (
        ("79098", "79102", "79110"),
        ("Wiehre", "Stühlinger", "Landwasser"),
        ("+491760469", 4000, 5999, 4),
        "Baden-Württemberg",
    ),
    "Kiel": (
        ("24103", "24114", "24143"),
        ("Gaarden", "Düsternbrook", "Wik"),
        ("+491760469", 6000, 7999, 4),
        "Schleswig-Holstein",
    ),
    "Rostock": (
        ("18055", "18057", "18119"),
        ("Kröpeliner-Tor-Vorstadt", "Warnemünde", "Südstadt"),
        ("+491760469", 8000, 9999, 4),
        "Mecklenburg-Vorpommern",
    ),
}
# How often each city appears in the background traffic (big cities more).
CITY_WEIGHTS = {
    "Köln": 8, "Leipzig": 6, "Berlin": 12, "Hamburg": 8, "München": 8, "Frankfurt am Main": 5,
    "Dresden": 4, "Stuttgart": 4, "Bochum": 3, "Hannover": 3, "Nürnberg": 3, "Bremen": 2,
    "Münster": 2, "Freiburg": 2, "Kiel": 2, "Rostock": 2,
}  # fmt: skip

FIRST_NAMES_F = [
    "Anna", "Julia", "Sabine", "Petra", "Laura", "Lena", "Marie", "Sarah", "Katharina", "Nicole",
    "Claudia", "Melanie", "Stefanie", "Sandra", "Monika", "Ursula", "Birgit", "Jasmin", "Selin", "Zeynep",
    "Agnieszka", "Olga", "Leonie", "Franziska", "Carina", "Vanessa", "Miriam", "Heike", "Gisela", "Svenja",
    "Nina", "Tanja", "Elif", "Sofia", "Emilia", "Johanna", "Charlotte", "Ines", "Doris", "Renate",
]  # fmt: skip
FIRST_NAMES_M = [
    "Thomas", "Michael", "Andreas", "Stefan", "Markus", "Christian", "Daniel", "Sebastian", "Jan", "Tim",
    "Florian", "Alexander", "Matthias", "Frank", "Jürgen", "Klaus", "Uwe", "Holger", "Kevin", "Niklas",
    "Leon", "Finn", "Mehmet", "Can", "Piotr", "Dmitri", "Ahmad", "Karl-Heinz", "Wolfgang", "Bernd",
    "Sven", "Dirk", "Marco", "Timo", "Patrick", "Ralf", "Rüdiger", "Moritz", "Yusuf", "Lars",
]  # fmt: skip
LAST_NAMES = [
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
    "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun",
    "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Krause", "Meier", "Lehmann", "Schmid",
    "Schulze", "Maier", "Köhler", "Herrmann", "König", "Walter", "Mayer", "Huber", "Kaiser", "Fuchs",
    "Peters", "Lang", "Scholz", "Möller", "Weiß", "Jung", "Hahn", "Schubert", "Vogel", "Friedrich",
    "Yıldız", "Kaya", "Öztürk", "Kowalski", "Nowak", "Wiśniewski", "Ivanov", "Haddad", "Brinkmann", "Engel",
]  # fmt: skip
# English-speaking customers (expats, students, business travellers) write in English.
ENGLISH_NAMES = [
    ("Emily", "Carter"), ("James", "O'Connor"), ("Olivia", "Bennett"), ("Daniel", "Hughes"),
    ("Priya", "Raman"), ("Lucas", "Moreau"), ("Grace", "Whitfield"), ("Noah", "Sullivan"),
    ("Aisha", "Khan"), ("Ben", "Thompson"), ("Chloe", "Martin"), ("Mateo", "García"),
    ("Hannah", "Clarke"), ("Ethan", "Brooks"), ("Sofia", "Rossi"), ("Liam", "Walsh"),
]  # fmt: skip

X_HANDLE_PATTERNS = [
    "{first}_{last}", "{first}{yy}", "{f}{last}", "{first}_{city}", "{nick}{yy}", "{first}{last}{n}",
    "der_{nick}", "die_{nick}", "{nick}_{city}", "{first}.{nick}",
]  # fmt: skip
NICKS = [
    "kabelsalat", "netzkind", "wlanwurm", "couchpilot", "pixelpaula", "bahnpendler", "homeofficeheld",
    "serienjunkie", "kaffeejunkie", "gamerbert", "fussballfan", "radlerin", "nachteule", "frühaufsteher",
    "technikfan", "bastelbude", "nerdherz", "stadtkind", "dorfkind", "gartenzwerg", "rheinkind",
]  # fmt: skip
FORUM_NICKS = [
    "RouterRudi", "Glasfaserfan", "KabelKalle", "BitBrigitte", "PingPongPeter", "WLAN-Wilma",
    "Modemmaus", "Leitungsleser", "Bandbreitenbert", "SpeedtestSusi", "Fritzchen88", "Netzhexe",
    "DSL-Dieter", "Antennenanna", "Repeaterrolf", "Latenzlotte", "Paketpaul", "Portforwarder",
    "Kupferkabel", "Sendersuchlauf", "TVTom", "Mobilmonika", "eSIMEddie", "Roamingrita",
]  # fmt: skip

# (dative with "an", dative with "mit"): "blinkt an der Netzwelt Box 6", "verbindet sich mit dem Router".
DEVICES = [
    ("an der Netzwelt Box 6", "mit der Netzwelt Box 6"),
    ("an der Netzwelt Box 5", "mit der Netzwelt Box 5"),
    ("am Router", "mit dem Router"),
    ("an meiner Box", "mit meiner Box"),
]
TV_DEVICES = ["TV-Receiver", "Netzwelt TV-Stick", "Receiver"]
SINCE = [
    "heute früh", "gestern Abend", "einer Stunde", "zwei Tagen", "dem Wochenende", "Montag",
    "ca. 30 Minuten", "heute Mittag", "drei Tagen", "letzter Woche",
]  # fmt: skip
MONTHS = ["Oktober", "November", "September"]
PRODUCTS_MOBILE = ["Mobil M", "Mobil L", "Mobil Unlimited", "Prepaid Flex"]
PRODUCTS_NET = ["Netz 100", "Netz 250", "Glasfaser 500", "Netz 50"]

# --- Background topics ---------------------------------------------------------------------------------
# Each topic: who answers it, the customer's core sentences (German, formal-neutral), short X versions,
# forum subjects, e-mail subjects, the agents' replies and follow-ups. The generator frames a core in the
# channel's own form (a tweet, a Facebook post, a letter, a forum thread, an app form, a phone note).


@dataclass(frozen=True)
class Topic:
    key: str
    answered_by: str
    cores: tuple[str, ...]
    tweets: tuple[str, ...]
    subjects: tuple[str, ...]
    replies: tuple[str, ...]
    followups: tuple[str, ...]
    weight: int = 1


TOPICS = [
    Topic(
        "router",
        "tech",
        (
            "Seit {since} blinkt {at_device} die Internet-LED rot und ich komme nicht mehr ins Netz. Neustart habe ich schon zweimal gemacht.",
            "Mein WLAN bricht ständig ab, besonders abends. Am LAN-Kabel läuft alles stabil. Liegt das {at_device}?",
            "Nach dem Firmware-Update letzte Nacht verbindet sich mein Laptop nicht mehr {with_device}. Das Handy schon.",
            "Die Power-LED {at_device} leuchtet, aber DSL blinkt nur noch grün. Was bedeutet das?",
            "Ich habe einen Repeater gekauft und bekomme ihn nicht {with_device} gekoppelt. WPS-Taste hat nichts gebracht.",
            "Im Kinderzimmer kommt fast kein WLAN an, obwohl der Router nur zwei Räume weiter steht.",
        ),
        (
            "Router blinkt seit {since} rot. Neustart bringt nix. Was tun?",
            "WLAN bricht jeden Abend ab, am Kabel alles gut. Kennt ihr das Problem mit der Box 6?",
            "Nach eurem Firmware-Update geht mein Laptop nicht mehr ins WLAN. Danke auch.",
            "DSL-Lampe blinkt nur noch. Seit {since}. Hilfe?",
        ),
        (
            "WLAN bricht abends ständig ab",
            "Box 6: Internet-LED rot",
            "Repeater lässt sich nicht koppeln",
            "Nach Firmware-Update kein WLAN mehr",
        ),
        (
            "Hallo {first}, das klingt nervig. Zieh bitte einmal für 30 Sekunden den Stecker deines Routers und starte ihn neu. Wenn die LED danach immer noch rot ist, schreib uns per DM deine Kundennummer, dann messe ich die Leitung durch.",
            "Hallo {first}, ich habe deine Leitung gemessen: Die Synchronisation ist da, aber das WLAN liegt auf einem überfüllten Kanal. Stell in der Box unter WLAN > Funkkanal bitte auf 'automatisch' – dann sollte es abends stabil bleiben.",
            "Hallo {first}, zu dem Firmware-Problem gibt es ein Korrektur-Update, das heute Nacht automatisch eingespielt wird. Bis dahin hilft es, das 5-GHz-Band kurz aus- und wieder einzuschalten.",
        ),
        (
            "Danke, nach dem Neustart ist die LED grün und alles läuft wieder!",
            "Hat leider nicht geholfen, immer noch rot.",
            "Funkkanal umgestellt – bisher stabil. Danke euch!",
            "Und jetzt? Ich warte seit Stunden auf eine Antwort.",
        ),
        weight=5,
    ),
    Topic(
        "speed",
        "tech",
        (
            "Ich zahle für {product}, der Speedtest zeigt abends aber nur ein Viertel davon an. Das geht jetzt seit {since} so.",
            "Meine Leitung ist extrem langsam, Videos laden ewig. Woran kann das liegen?",
            "Seit {since} habe ich ständig Paketverluste beim Zocken. Ping springt auf über 200 ms.",
            "Wir haben {product} gebucht, messen aber selten mehr als 20 Mbit/s. Bitte prüfen Sie die Leitung.",
        ),
        (
            "Zahle für {product}, bekomme abends 1/4 davon. Super Deal. 🙄",
            "Ping 200+ beim Zocken seit {since}. Was ist da los bei euch?",
            "Speedtest sagt 18 Mbit. Gebucht sind 250. Hallo??",
        ),
        (
            "Speed abends nur ein Viertel",
            "Hoher Ping und Paketverluste",
            "Leitung deutlich langsamer als gebucht",
        ),
        (
            "Hallo {first}, danke für die Messwerte. Ich habe auf deiner Leitung Störungen im Frequenzbereich gesehen und einen Leitungsreset angestoßen. Gib ihr bitte zwei Stunden und miss dann noch einmal per LAN-Kabel.",
            "Hallo {first}, abends ist der Verteiler in deinem Gebiet aktuell stark ausgelastet. Die Kollegen der Technik erweitern die Kapazität bis Ende des Monats. Bis dahin schreibe ich dir gern eine Gutschrift gut.",
        ),
        (
            "Nach dem Reset deutlich besser, danke!",
            "Immer noch langsam. Ich überlege zu kündigen.",
            "Messprotokoll angehängt, bitte nochmal schauen.",
        ),
        weight=4,
    ),
    Topic(
        "invoice",
        "billing",
        (
            "Meine Rechnung für {month} ist {amount} Euro höher als sonst. Ich habe nichts Zusätzliches gebucht.",
            "Sie haben den Betrag für {month} doppelt abgebucht. Ich bitte um umgehende Erstattung.",
            "Auf meiner Rechnung steht eine Position 'Drittanbieter' über {amount} Euro, die ich nicht kenne.",
            "Warum zahle ich nach Ablauf der Mindestlaufzeit plötzlich mehr? Davon war keine Rede.",
            "Ich finde meine Rechnungen nicht mehr im Kundenportal. Wo kann ich sie herunterladen?",
        ),
        (
            "Rechnung {month} {amount} € höher als sonst. Nix gebucht. Erklärt mir das mal jemand?",
            "Doppelt abgebucht?! Ernsthaft, @netzwelt_hilft?",
            "Drittanbieter-Abo auf der Rechnung, das ich nie abgeschlossen habe. Wie krieg ich das weg?",
        ),
        (
            "Rechnung deutlich höher als sonst",
            "Doppelte Abbuchung",
            "Unbekannte Drittanbieter-Position",
            "Preiserhöhung nach Mindestlaufzeit",
        ),
        (
            "Hallo {first}, ich habe mir deine Rechnung angesehen: Die Differenz kommt aus einer Drittanbieter-Buchung. Ich habe die Drittanbietersperre aktiviert und die {amount} Euro gutgeschrieben – du siehst das auf der nächsten Rechnung.",
            "Hallo {first}, da ist bei uns leider etwas schiefgelaufen: Die doppelte Abbuchung wird in den nächsten drei bis fünf Werktagen zurücküberwiesen. Entschuldige bitte den Ärger.",
            "Hallo {first}, deine Rechnungen findest du in der App unter Konto > Rechnungen, dort kannst du sie auch als PDF laden.",
        ),
        (
            "Danke, Gutschrift ist angekommen.",
            "Ich warte immer noch auf das Geld.",
            "Super, hab sie gefunden. Danke!",
        ),
        weight=5,
    ),
    Topic(
        "contract",
        "first",
        (
            "Ich ziehe zum 1. nach {city} um. Kann ich meinen Vertrag mitnehmen und wie lange dauert die Umschaltung?",
            "Ich möchte meinen Vertrag fristgerecht kündigen. Bitte bestätigen Sie mir das Vertragsende schriftlich.",
            "Kann ich von {product} auf einen schnelleren Tarif wechseln, ohne dass die Laufzeit neu beginnt?",
            "Ich habe eine Kündigungsbestätigung erhalten, obwohl ich gar nicht gekündigt habe.",
        ),
        (
            "Umzug nach {city} – wie lange dauert es, bis das Internet in der neuen Wohnung läuft?",
            "Wie kündige ich eigentlich bei euch? Auf der Webseite finde ich nix.",
            "Tarifwechsel ohne neue Laufzeit möglich?",
        ),
        (
            "Umzug: Vertrag mitnehmen",
            "Kündigungsbestätigung",
            "Tarifwechsel",
            "Kündigung bestätigt, obwohl ich nicht gekündigt habe",
        ),
        (
            "Hallo {first}, den Umzug kannst du in der App unter Vertrag > Umzug melden. Plane etwa zwei Wochen für die Schaltung ein – wir versuchen, dass du am Einzugstag online bist.",
            "Hallo {first}, einen Tarifwechsel nach oben kannst du jederzeit machen, die Laufzeit läuft dabei einfach weiter. Ich schicke dir die Optionen per Direktnachricht.",
            "Hallo {first}, die Kündigung ist bei uns eingegangen, die Bestätigung mit dem Vertragsende bekommst du per E-Mail.",
        ),
        (
            "Danke, Umzug ist gemeldet.",
            "Die Bestätigung ist immer noch nicht da.",
            "Alles klar, danke für die schnelle Antwort!",
        ),
        weight=4,
    ),
    Topic(
        "mobile",
        "first",
        (
            "Ich fahre nächste Woche in die Schweiz. Ist Roaming in {product} enthalten?",
            "Mein Datenvolumen ist schon nach zehn Tagen aufgebraucht, obwohl ich kaum etwas mache.",
            "Wie aktiviere ich die eSIM auf meinem neuen Handy? Der QR-Code aus der E-Mail funktioniert nicht.",
            "Seit {since} habe ich in der Wohnung kein Netz mehr, nur noch 'Nur Notrufe'.",
            "Meine Rufnummernmitnahme hängt seit einer Woche. Die alte SIM geht nicht mehr, die neue noch nicht.",
        ),
        (
            "eSIM-QR-Code geht nicht. Seit 2 Stunden rumprobiert. Hilfe 🙏",
            "'Nur Notrufe' seit {since}. Mitten in {city}. Ernsthaft?",
            "Datenvolumen nach 10 Tagen weg. Wohin verschwindet das?",
            "Rufnummernmitnahme hängt seit einer Woche, bin nicht erreichbar!",
        ),
        (
            "eSIM-Aktivierung klappt nicht",
            "Kein Mobilfunknetz in der Wohnung",
            "Rufnummernmitnahme hängt",
            "Roaming Schweiz",
        ),
        (
            "Hallo {first}, die Schweiz gehört nicht zur EU-Roamingzone. Du kannst in der App die Option 'Reise Welt' für sieben Tage dazubuchen.",
            "Hallo {first}, ich habe dir einen neuen eSIM-Code erzeugt, der alte war schon einmal eingelöst. Du findest ihn in der App unter Mobilfunk > eSIM.",
            "Hallo {first}, an der Station in deiner Nähe wird gerade gebaut. Bis Freitag sollte alles wieder laufen; bis dahin hilft WLAN-Call in den Handy-Einstellungen.",
        ),
        ("eSIM läuft, danke!", "Immer noch kein Netz.", "Option gebucht, danke für den Tipp."),
        weight=4,
    ),
    Topic(
        "tv",
        "tech",
        (
            "Auf meinem {tvdevice} fehlen seit {since} alle Sender ab Programmplatz 20.",
            "Die Aufnahmen auf dem {tvdevice} brechen nach ein paar Minuten ab.",
            "Die TV-App zeigt nur 'Fehler 4012' an. Neu installieren hat nichts gebracht.",
            "Ich habe HD-Sender gebucht, sehe aber nur SD-Qualität.",
        ),
        (
            "Fehler 4012 in der TV-App. Heute ist Finale. Danke für nichts.",
            "Sender ab Platz 20 weg seit {since}. Jemand eine Idee?",
            "Aufnahmen brechen ständig ab. Der {tvdevice} nervt.",
        ),
        ("Sender fehlen nach Suchlauf", "Aufnahmen brechen ab", "TV-App: Fehler 4012"),
        (
            "Hallo {first}, starte bitte einmal den Sendersuchlauf unter Einstellungen > Sender > Suchlauf. Seit der Umstellung am Dienstag liegen einige Sender auf neuen Frequenzen.",
            "Hallo {first}, Fehler 4012 bedeutet, dass die App deine Berechtigung nicht laden konnte. Ich habe sie neu angestoßen – bitte einmal ab- und wieder anmelden.",
        ),
        (
            "Suchlauf hat geholfen, danke!",
            "Nach dem Abmelden geht es wieder.",
            "Nein, weiterhin Fehler 4012.",
        ),
        weight=3,
    ),
    Topic(
        "technician",
        "first",
        (
            "Der Techniker sollte heute zwischen 8 und 12 Uhr kommen. Ich habe mir extra freigenommen – niemand ist erschienen.",
            "Ich warte jetzt seit {since} auf einen Technikertermin für meinen Glasfaseranschluss.",
            "Der Techniker war da, hat aber gesagt, er sei nicht zuständig. Wer ist denn nun zuständig?",
        ),
        (
            "Techniker-Termin 8–12 Uhr. Jetzt ist es 13 Uhr. Niemand da. Urlaubstag verschwendet. 👏",
            "Warte seit {since} auf einen Termin für die Glasfaser. Gibt's euch noch?",
        ),
        ("Techniker nicht erschienen", "Warten auf Glasfaser-Termin", "Techniker nicht zuständig?"),
        (
            "Hallo {first}, das tut mir wirklich leid. Ich habe mit dem Dispo gesprochen: Der Kollege ist morgen früh um 8 Uhr als erster Termin bei dir. Für den verlorenen Tag schreiben wir dir 20 Euro gut.",
            "Hallo {first}, dein Auftrag hing beim Tiefbau fest. Ich habe nachgefasst, du bekommst in den nächsten Tagen einen Terminvorschlag per SMS.",
        ),
        (
            "Okay, dann hoffe ich mal auf morgen.",
            "Termin ist da, danke!",
            "Wieder niemand gekommen. Reicht jetzt.",
        ),
        weight=3,
    ),
    Topic(
        "hotline",
        "first",
        (
            "Ich hänge seit 45 Minuten in Ihrer Warteschleife. Ist das Ihr Ernst?",
            "Niemand beantwortet meine E-Mails. Das ist jetzt die dritte Nachricht zum selben Problem.",
            "Bei jedem Anruf erzähle ich meine Geschichte von vorn. Gibt es bei Ihnen keine Notizen?",
        ),
        (
            "45 Minuten Warteschleife. Die Musik kann ich inzwischen mitsingen. 🎶",
            "Dritte Mail, keine Antwort. Vielleicht klappt's ja hier, @netzwelt_hilft?",
        ),
        ("Keine Antwort auf meine E-Mails", "Lange Warteschleife", "Jedes Mal von vorn erklären"),
        (
            "Hallo {first}, entschuldige die lange Wartezeit – das ist nicht unser Anspruch. Ich kümmere mich ab jetzt persönlich um dein Anliegen, du musst nichts mehr neu erklären. Worum geht es genau?",
        ),
        ("Endlich jemand, der antwortet. Danke!", "Mal sehen, ob diesmal was passiert."),
        weight=2,
    ),
]

# Praise and thanks: no question, but an answer keeps the conversation friendly.
PRAISE_TWEETS = [
    "Großes Lob an {agent} von {handle}! Problem in 10 Minuten gelöst. So geht Service. 👍",
    "Hätte ich nicht gedacht, aber der Techniker heute war super freundlich und schnell. Danke {handle}!",
    "Umzug ohne einen Tag Offline-Zeit. Respekt, {handle}.",
    "Die neue Box läuft seit einer Woche ohne einen einzigen Abbruch. Endlich!",
    "Danke {handle} für die schnelle Gutschrift, das hat mich echt versöhnt.",
    "Ich war skeptisch, aber Glasfaser bei Netzwelt ist einfach 🚀",
]
PRAISE_POSTS = [
    "Ich möchte mich einmal ausdrücklich bei {agent} aus dem Service bedanken. Freundlich, kompetent und das Problem war nach einem Anruf gelöst.",
    "Nach dem ganzen Ärger letzten Monat muss ich auch mal was Positives sagen: Seit der Techniker da war, läuft alles stabil. Danke!",
]
PRAISE_REPLIES = [
    "Danke für die netten Worte, {first}! Ich gebe das Lob gern an {agent} weiter. 😊",
    "Das freut uns sehr, {first}! Viel Spaß mit dem schnellen Netz.",
]

SARCASM = [
    "Danke {handle}, dass ihr mir mal wieder einen internetfreien Abend schenkt. Digital Detox inklusive. 🙃",
    "Wow, 3 Tage ohne Internet. Ganz großes Kino, {handle}. 👏👏👏",
    "Die Warteschleifenmusik bei {handle} ist inzwischen mein Lieblingssong. Dritte Stunde heute.",
    "Toll, dass ich für 250 Mbit zahle und 12 bekomme. Das ist bestimmt so ein Rabattmodell, oder {handle}?",
    "Endlich Zeit, die Bücher zu lesen, die ich immer lesen wollte. Danke, Netzwelt! #keininternet",
    "Wieder mal Techniker-Roulette bei {handle}. Heute: niemand gekommen. Überraschung!",
    "Mein Router hat mehr Ausfallzeiten als mein alter Golf. Und der ist Baujahr 98.",
    "Kundenservice des Jahres? Bestimmt. In einem Paralleluniversum. {handle}",
]
SARCASM_REPLIES = [
    "Hallo {first}, das klingt nach einem richtig schlechten Tag mit uns – tut mir leid. Magst du mir per DM deine Kundennummer schicken? Dann schaue ich mir das sofort an.",
]

# English-speaking customers.
ENGLISH = [
    (
        "Hi {handle}, my internet has been down since this morning in {city} ({plz}). Any ETA?",
        "Hi {first}, sorry about that! I checked your line and restarted the port. Could you reboot your router once and let me know if it works?",
    ),
    (
        "How do I activate roaming for a trip to the US? Can't find it in the app.",
        "Hi {first}, the US is outside the EU zone: in the app go to Mobile > Options > 'Travel World' and book it for 7 or 30 days.",
    ),
    (
        "I just moved to {city} and can't read the German contract. Is there an English version?",
        "Hi {first}, welcome to {city}! I've sent you the English summary of your contract by direct message.",
    ),
    (
        "My eSIM activation keeps failing with 'invalid code'. Tried three times already.",
        "Hi {first}, the code can only be used once. I've generated a new one – you'll find it in the app under Mobile > eSIM.",
    ),
    (
        "Why was I charged twice this month? I'd like a refund please.",
        "Hi {first}, you're right, that's our mistake. The double charge will be refunded within 3–5 business days.",
    ),
    (
        "Is the new Glasfaser 1000 available in {city}? Would love to upgrade.",
        "Hi {first}, Glasfaser 1000 is available at your address from next month – I've put you on the list so you get the offer first.",
    ),
    (
        "The technician was supposed to come today, nobody showed up. Not impressed.",
        "Hi {first}, I'm really sorry. I've booked the first slot tomorrow at 8 am for you and added a credit for the lost day.",
    ),
    (
        "Great service today, thanks {handle}! Fixed in five minutes.",
        "Thanks so much, {first}! Happy to hear that. 😊",
    ),
]
ENGLISH_FOLLOWUPS = ["Works again, thanks!", "Still nothing. Any update?", "Perfect, thank you!"]

# --- The regional outage (Köln, the last hours) --------------------------------------------------------
OUTAGE_CITY = "Köln"
OUTAGE_TWEETS = [
    "Kein Internet in Köln-{district} seit {mins} Minuten. Bei euch was bekannt, {handle}?",
    "{handle} Internet in {plz} komplett weg. Homeoffice ade. 😤",
    "Ist bei Netzwelt in Köln gerade alles down? Nachbarn haben auch nix.",
    "Router zeigt 'keine DSL-Synchronisation'. {district}. Störung?",
    "Mitten im Call rausgeflogen. Köln {district}, {handle}, was ist da los?",
    "Seit {mins} Min kein Netz in {plz} Köln. Und das beim Champions-League-Spiel. Danke!",
    "Na super. Internet weg, Telefon über Festnetz auch. Köln-{district}. #netzweltstörung",
    "Bin ich der Einzige in Köln ohne Internet? {handle}",
    "Internet weg in {plz}. Wie lange dauert das noch?",
    "Großstörung in Köln? Bei uns in {district} geht seit {mins} Min gar nichts.",
]
OUTAGE_POSTS = [
    "Hallo Netzwelt, bei uns in Köln-{district} ({plz}) ist seit ungefähr {mins} Minuten das Internet weg. Router neu gestartet, ohne Erfolg. Gibt es eine Störung?",
    "Hallo, auch bei uns in {plz} kein Internet und kein Festnetz. Ich arbeite im Schichtdienst und brauche das Telefon für Rufbereitschaft. Wann ist das behoben?",
    "Gibt es in Köln gerade eine größere Störung? Bei meinen Eltern in {district} und bei mir in der Südstadt geht nichts.",
]
OUTAGE_APP = [
    "Problem melden: Kein Internet. Ort: {plz} Köln. Router-LED: rot. Seit: ca. {mins} Minuten.",
    "Problem melden: Internet und Telefon ausgefallen. Ort: {plz} Köln. Neustart durchgeführt: ja.",
]
OUTAGE_PHONE = [
    "Anruf: {customer_word} aus {plz} Köln meldet Totalausfall Internet + Festnetz seit ca. {mins} Min. Router neu gestartet. Rückruf gewünscht.",
    "Anruf: {customer_word} aus Köln-{district}, kein Internet. Hinweis auf mögliche Störung gegeben, Rückruf bei Lösung zugesagt.",
]
OUTAGE_REPLY = (
    "Hallo {first}, danke für deine Meldung. Wir haben aktuell eine Störung in Teilen von Köln, "
    "ein Techniker-Team ist bereits am Verteiler. Wir melden uns, sobald alles wieder läuft."
)
OUTAGE_DONE = [
    "Läuft wieder! Danke {handle} 👍",
    "Internet ist zurück. Hat ja nur zwei Stunden gedauert…",
    "Bei uns in {district} geht's wieder, danke für die Info.",
    "Immer noch nichts in {plz}. Bin ich vergessen worden?",
    "Router ist wieder grün. Danke an die Techniker, die da draußen im Regen stehen.",
    "Wieder online. Gibt's für die zwei Stunden eine Gutschrift?",
    "Bei mir geht's wieder, bei meinen Nachbarn im Haus noch nicht.",
    "Läuft. Aber bitte beim nächsten Mal früher Bescheid geben, auch in der App.",
    "Alles wieder da, sogar das Festnetz. Danke!",
    "Jetzt geht's wieder – aber extrem langsam. Normal?",
]

# --- The maintenance window (Leipzig and Dresden, announced for tonight) -------------------------------
MAINTENANCE_QUESTIONS = [
    "In der App steht 'Wartungsarbeiten heute Nacht 01:00–05:00 Uhr'. Betrifft das auch Leipzig-{district}?",
    "Ich arbeite nachts im Homeoffice. Wie lange genau ist das Internet bei der Wartung in {city} weg?",
    "Muss ich bei der Wartung heute Nacht irgendwas am Router machen?",
    "Schon wieder Wartungsarbeiten in {city}? Letzten Monat war doch erst eine.",
    "Warum macht ihr die Wartung nicht am Wochenende? Ich muss um 3 Uhr zur Frühschicht und brauche das Handy-WLAN.",
    "Ist von der Wartung heute Nacht auch das Festnetz betroffen? Mein Vater hat einen Hausnotruf.",
]
MAINTENANCE_REPLY = (
    "Hallo {first}, die Wartung betrifft Leipzig und Dresden heute Nacht zwischen 01:00 und 05:00 Uhr. "
    "Internet und Festnetz sind dabei für etwa 20 Minuten unterbrochen, du musst am Router nichts tun."
)

# --- The product launch: Glasfaser 1000 and the Netzwelt Box 7 -----------------------------------------
LAUNCH_POSTS = [
    "Glasfaser 1000 für 59,99 €? Wann kommt das nach {city}? 🚀",
    "Lohnt sich der Wechsel von Glasfaser 500 auf 1000, wenn ich nur streame?",
    "Die neue Netzwelt Box 7 sieht schick aus. Kann ich meine Box 6 kostenlos tauschen?",
    "Ich habe Glasfaser 1000 gestern bestellt und schon heute die Bestätigung. Flott!",
    "Warum bekommen Neukunden Glasfaser 1000 günstiger als treue Bestandskunden? Finde ich unfair.",
    "Unterstützt die Box 7 Wi-Fi 7? Im Datenblatt steht nichts dazu.",
    "Verfügbarkeitscheck sagt für {plz}: 'bald verfügbar'. Was heißt bald?",
    "Endlich Gigabit! Erster Speedtest mit Glasfaser 1000: 940 Mbit/s. 😍",
    "Box 7 geliefert, Einrichtung hat 5 Minuten gedauert. So muss das.",
    "Hab ich das richtig verstanden: Box 7 nur zur Miete, nicht zum Kauf?",
]
LAUNCH_REPLIES = [
    "Hallo {first}, Glasfaser 1000 ist überall dort buchbar, wo wir schon Glasfaser 500 anbieten. Deine Adresse kannst du im Verfügbarkeitscheck prüfen.",
    "Hallo {first}, Bestandskunden können die Box 6 in den ersten vier Wochen nach dem Start kostenlos gegen die Box 7 tauschen – einfach in der App unter Geräte.",
    "Hallo {first}, ja, die Box 7 unterstützt Wi-Fi 7. Das Datenblatt wird heute noch ergänzt, danke für den Hinweis!",
]

# --- Forum: customers helping customers ---------------------------------------------------------------
FORUM_HELP = [
    "Hatte ich auch. Bei mir hat geholfen, in der Box unter Heimnetz den Kanal fest auf 36 zu stellen.",
    "Schau mal im Ereignisprotokoll der Box nach, ob da 'Synchronisierung verloren' steht. Dann ist es die Leitung, nicht das WLAN.",
    "Ich würde erst einen Speedtest per LAN-Kabel machen, sonst glaubt dir der Support nicht. 😉",
    "Gleiches Problem hier seit dem Update. Hat jemand schon eine Lösung?",
    "Der Sendersuchlauf hat bei mir gereicht, danach waren alle wieder da.",
    "Tipp: In der App kannst du unter Störungen selbst einen Leitungstest starten.",
    "Bei mir war es der Splitter. Nach dem Tausch lief alles wieder.",
    "+1, bei mir genauso.",
]

# --- The VIP and the sensitive cases ------------------------------------------------------------------
VIP = {
    "name": "Dr. Konstantin Albrecht",
    "email": "k.albrecht@kanzlei-albrecht.example",
    "city": "Frankfurt am Main",
    "plz": "60311",
    "messages": [
        (
            "email",
            "Ausfall Standleitung Kanzlei",
            "Sehr geehrte Damen und Herren,\n\nseit heute 7:30 Uhr ist die Standleitung unserer Kanzlei gestört. "
            "Wir haben um 11 Uhr einen Gerichtstermin per Videokonferenz und erwarten eine Lösung innerhalb der "
            "vereinbarten vier Stunden laut SLA.\n\nMit freundlichen Grüßen\nDr. Konstantin Albrecht\n"
            "Albrecht & Partner Rechtsanwälte, Kundennummer 1000-2347",
        ),
        (
            "phone",
            "",
            "Anruf: Dr. Albrecht (Geschäftskunde, Premium-SLA) fragt nach dem Stand zur Störung der Standleitung. "
            "Ungeduldig, Gerichtstermin um 11 Uhr. Bitte dringend Rückruf durch Technik.",
        ),
        (
            "email",
            "Re: Ausfall Standleitung Kanzlei",
            "Sehr geehrte Damen und Herren,\n\nich warte weiterhin auf eine Rückmeldung. Sollte die Leitung bis 10:30 Uhr "
            "nicht laufen, muss ich den Termin verlegen und behalte mir Schadensersatz vor.\n\nDr. Albrecht",
        ),
    ],
    "reply": (
        "Sehr geehrter Herr Dr. Albrecht,\n\nich habe Ihre Störung persönlich übernommen. Ein Techniker ist auf dem "
        "Weg zu Ihrem Standort, bis dahin schalten wir Ihnen eine LTE-Ersatzverbindung frei, die in etwa 15 Minuten "
        "aktiv ist. Ich rufe Sie um 10 Uhr mit dem aktuellen Stand an.\n\nMit freundlichen Grüßen\nFelix Schubert, Technik"
    ),
}

SENSITIVE = [
    {
        "kind": "facebook",
        "name": "Monika Sch.",
        "city": "Bochum",
        "plz": "44791",
        "text": (
            "Ich weiß nicht mehr weiter. Ich habe meinen Job verloren und kann die letzten zwei Rechnungen nicht "
            "bezahlen. Jetzt kam ein Brief vom Inkasso. Bitte sperrt mir nicht das Telefon, ich brauche es für "
            "Bewerbungen."
        ),
        "reply": (
            "Hallo Monika, danke, dass du dich meldest – das ist nichts, wofür man sich schämen muss. Ich habe dir "
            "eine private Nachricht geschickt, damit wir in Ruhe über eine Ratenzahlung sprechen können. Dein "
            "Anschluss wird in der Zwischenzeit nicht gesperrt."
        ),
        "followup": "Danke, ich habe geantwortet. Das nimmt mir gerade eine große Last.",
        "agent": "fatma",
    },
    {
        "kind": "email",
        "name": "Gerhard Lindner",
        "city": "Hannover",
        "plz": "30161",
        "subject": "Dringend: Hausnotruf meiner Mutter funktioniert nicht",
        "text": (
            "Guten Tag,\n\nmeine Mutter (84) ist nach einem Schlaganfall auf ihren Hausnotruf angewiesen, der über "
            "Ihren Festnetzanschluss läuft. Seit gestern Abend hat der Anschluss kein Freizeichen. Der Pflegedienst "
            "sagt, das Notrufgerät meldet 'Leitungsfehler'. Bitte helfen Sie schnell.\n\nGerhard Lindner"
        ),
        "reply": (
            "Sehr geehrter Herr Lindner,\n\ndas hat für uns höchste Priorität. Ein Techniker ist für heute "
            "Nachmittag eingeplant; bis dahin haben wir die Rufumleitung des Anschlusses auf Ihre Mobilnummer "
            "eingerichtet, damit Ihre Mutter erreichbar bleibt. Ich melde mich nach dem Termin bei Ihnen.\n\n"
            "Mit freundlichen Grüßen\nNadine Franke"
        ),
        "followup": "Vielen Dank, der Techniker war da und das Gerät meldet wieder 'bereit'.",
        "agent": "nadine",
    },
]

# --- Framing per channel ------------------------------------------------------------------------------
X_TAILS_QUESTION = ["", "", " Bitte um Hilfe 🙏", " Danke vorab!", " #netzwelt"]
X_TAILS_STATEMENT = ["", "", " Was kann ich tun?", " #netzwelt", " 😤", " Echt jetzt?"]
FB_OPENINGS = ["Hallo Netzwelt-Team,", "Hallo zusammen,", "Guten Tag,", "Hi Netzwelt,", "Moin,", ""]
FB_CLOSINGS = ["Danke im Voraus!", "Über eine schnelle Antwort würde ich mich freuen.", "LG", "Gruß", ""]
MAIL_OPENINGS = ["Sehr geehrte Damen und Herren,", "Hallo,", "Guten Tag,", "Liebes Netzwelt-Team,"]
MAIL_ASKS = [
    "Bitte melden Sie sich zeitnah.",
    "Ich bitte um eine kurze Rückmeldung.",
    "Können Sie mir hier weiterhelfen?",
    "Vielen Dank im Voraus für Ihre Hilfe.",
    "",
]
MAIL_CLOSINGS = ["Mit freundlichen Grüßen", "Viele Grüße", "Beste Grüße", "Freundliche Grüße"]
FORUM_TAILS = [
    "Hat jemand eine Idee?",
    "Kennt das jemand?",
    "Bin für jeden Tipp dankbar.",
    "Oder bin ich da allein?",
    "Router-Modell und Messwerte kann ich gern nachreichen.",
]
PHONE_PREFIXES = [
    "Anruf: {customer_word} meldet:",
    "Anruf: {customer_word} schildert:",
    "Rückruf erbeten. Anliegen:",
    "Anruf:",
]
APP_PREFIXES = ["Problem melden:", "Anliegen aus der App:", "Kontaktformular App:"]

FORMAL_NUDGES = [
    "Ich warte weiterhin auf eine Antwort auf meine Nachricht. Bitte melden Sie sich.",
    "Gibt es zu meinem Anliegen schon einen Stand?",
    "Erinnerung: Meine Anfrage von gestern ist noch offen.",
]
FOLLOWUP_NUDGES = [
    "Hallo? Noch jemand da?",
    "Gibt es schon was Neues?",
    "Ich warte immer noch auf eine Antwort.",
    "Push. 🙄",
]


# A real app channel, so /widget-demo/ shows the widget (the fake "Netzwelt-App" above only imitates one).
APP_CHANNEL_NAME = "Netzwelt-Widget"


@dataclass(frozen=True)
class DemoRule:
    """A routing rule of the demo; topics are slugs of the default taxonomy (resonanz/understanding/topics.py)."""

    name: str
    topics: str = ""
    languages: str = ""
    team: str = ""
    skill: str = ""
    priority: int = 1
    stop: bool = True


ROUTING_RULES = [
    DemoRule("Englisch an Englisch-Sprechende", languages="en", skill="Englisch", stop=False),
    DemoRule("Störungen an die Technik", topics="stoerung", team="Technik", skill="Störungen", priority=2),
    DemoRule("Geräte an die Technik", topics="geraet", team="Technik", skill="Router & Geräte"),
    DemoRule(
        "Rechnungen und Zahlungsschwierigkeiten an die Abrechnung",
        topics="rechnung,zahlungsschwierigkeiten",
        team="Abrechnung",
        skill="Rechnungen",
    ),
    DemoRule(
        "Verträge und Kündigungen an den 1st Level",
        topics="vertrag,kuendigung",
        team="1st Level",
        skill="Verträge",
    ),
    DemoRule("Lieferungen und Termine an den 1st Level", topics="lieferung,termin", team="1st Level"),
]
