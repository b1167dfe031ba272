"""The demo's community forum: customers asking and helping each other, votes, accepted answers, a staff
answer marked official, a trusted veteran, an open question still waiting and one spam post in the
moderation queue. Written through the forum's actions (so suggestions and reputation follow); safe to run
twice. Members leave no e-mail address, so loading the demo sends no mail."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import F

from resonanz.community import actions
from resonanz.community.models import Member, Question
from resonanz.workspaces.models import Agent, Workspace

VETERAN = "Kabelkoenigin"  # the trusted member: many accepted answers in the forum's (invented) past
VETERAN_REPUTATION = 135


@dataclass(frozen=True)
class DemoAnswer:
    author: str  # a nickname, or "" for the staff answer (official)
    body: str
    votes: int = 0
    accepted: bool = False


@dataclass(frozen=True)
class DemoQuestion:
    author: str
    category: str
    title: str
    body: str
    answers: tuple[DemoAnswer, ...] = field(default_factory=tuple)


QUESTIONS = (
    DemoQuestion(
        "router_rita",
        "internet-router",
        "Router blinkt rot, kein Internet",
        "Seit heute Morgen blinkt die Internet-LED an meiner Box rot. Neustart hat nichts gebracht. Was kann ich "
        "noch tun, bevor ich anrufe?",
        (
            DemoAnswer(
                VETERAN,
                "Rot blinkend heißt meist: keine DSL-Synchronisation. Prüfen Sie, ob das Kabel in der ersten Buchse "
                "der TAE-Dose (F) steckt und nicht im Splitter-Ausgang. Danach 3 Minuten warten.",
                votes=4,
                accepted=True,
            ),
            DemoAnswer(
                "hamburg_hannes", "Bei mir war es eine Störung im Ort, schau mal auf die Statusseite.", 1
            ),
        ),
    ),
    DemoQuestion(
        "umzugsuwe",
        "umzug",
        "Umzug nach Köln: wie früh melden?",
        "Wir ziehen Ende nächsten Monats von Bonn nach Köln. Wie früh muss ich den Umzug melden, damit das "
        "Internet am ersten Tag läuft?",
        (
            DemoAnswer(
                "",
                "Melden Sie den Umzug bitte sechs Wochen vorher im Kundenportal unter „Umzug“. Wir prüfen die "
                "Verfügbarkeit an der neuen Adresse und nennen Ihnen den Schalttermin. Ihr Vertrag läuft weiter.",
            ),
            DemoAnswer(
                VETERAN, "Sechs Wochen reichen. Den Router einfach mitnehmen, er wird neu angemeldet.", 3
            ),
        ),
    ),
    DemoQuestion(
        "sparfuchs_sven",
        "rechnung-vertrag",
        "Rechnung doppelt abgebucht?",
        "Auf meinem Konto sehe ich zwei Abbuchungen für den Mai. Hat das noch jemand?",
        (
            DemoAnswer(
                "lisa_liest",
                "Die zweite war bei mir die Einmalgebühr für den Techniker-Termin – steht in der Rechnung unter "
                "„Einmalige Entgelte“.",
                votes=2,
                accepted=True,
            ),
        ),
    ),
    DemoQuestion(
        "wlan_walter",
        "internet-router",
        "WLAN bricht abends ständig ab",
        "Tagsüber alles gut, ab 19 Uhr fliegen Handy und Laptop alle paar Minuten aus dem WLAN.",
        (
            DemoAnswer(
                VETERAN,
                "Abends funken die Nachbarn mehr. Stellen Sie im Router den Kanal auf „automatisch“ und nutzen Sie "
                "wenn möglich 5 GHz.",
                votes=5,
            ),
            DemoAnswer("technikteddy", "Mesh-Repeater hat bei mir geholfen.", 1),
        ),
    ),
    DemoQuestion(
        "koeln_klara",
        "stoerungen",
        "Störung in Köln-Ehrenfeld?",
        "Seit einer Stunde kein Internet und kein Telefon. Ist da was bekannt?",
        (
            DemoAnswer(
                "",
                "Ja, in Teilen von Köln gibt es eine Störung. Unsere Technik arbeitet daran; den aktuellen Stand "
                "finden Sie auf der Statusseite. Sie müssen nichts tun.",
            ),
        ),
    ),
    DemoQuestion(
        "neu_hier_nina",
        "internet-router",
        "Welche Zugangsdaten brauche ich für einen eigenen Router?",
        "Ich möchte meinen eigenen Router nutzen statt der Box. Wo finde ich die Zugangsdaten?",
        (),  # still open: community first, staff when the waiting time is over
    ),
)
SPAM = (
    "gewinner2024",
    "GRATIS CASINO BONUS!!!",
    "Jetzt Bonus sichern: http://casino.example http://bonus.example",
)


def _member(workspace: Workspace, nickname: str) -> Member:
    return actions.do_join(workspace, nickname)


def ensure_community(workspace: Workspace, agents: dict[str, Agent]) -> int:
    """Create the demo forum if it has no questions yet; returns how many questions were created."""
    if Question.objects.filter(workspace=workspace).exists():
        return 0
    staff = next(iter(agents.values()), None)
    veteran = _member(workspace, VETERAN)
    Member.objects.filter(pk=veteran.pk).update(reputation=F("reputation") + VETERAN_REPUTATION)
    voters = [_member(workspace, f"leser_{number}") for number in range(1, 6)]
    created = 0
    for demo in QUESTIONS:
        asker = _member(workspace, demo.author)
        question = actions.do_ask_question(asker, demo.title, demo.body, category=demo.category)
        created += 1
        for answer in demo.answers:
            if not answer.author:
                if staff is not None:
                    actions.do_post_official_answer(staff, question, answer.body)
                continue
            written = actions.do_answer(_member(workspace, answer.author), question, answer.body)
            for voter in voters[: answer.votes]:
                actions.do_vote(voter, written, 1)
            if answer.accepted:
                actions.do_accept_answer(asker, question, written)
    author, title, body = SPAM
    actions.do_ask_question(_member(workspace, author), title, body)  # spam score ≥ 0.5: moderation queue
    return created + 1
