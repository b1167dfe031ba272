"""Three days of demo traffic from the hand-written fragments in `content.py`, deterministic for a seed.

`generate(end)` returns a `DemoPlan`: inbound posts in the generic event format (as the fake channel takes
them) and the agents' replies, each with its time. Times are placed backwards from ``end`` (the newest post
is exactly ``end``), busier by day than by night in ``end``'s time zone, so the loader can make the newest
message "now" and the data still reads like a working day.
"""

from __future__ import annotations

import datetime as dt
import random
import string
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from resonanz.demo import content as c

DEFAULT_SEED = 20141
SPAN_MINUTES = 3 * 24 * 60
BACKGROUND_CONVERSATIONS = 330
GENERAL_PEOPLE = 215
OUTAGE_PEOPLE = 48

T = TypeVar("T")

# How busy each local hour is, relative to the busiest (Germany, consumer support).
_HOUR_WEIGHT = [0.05, 0.03, 0.02, 0.02, 0.03, 0.06, 0.2, 0.5, 0.8, 1.0, 1.0, 0.9, 0.8, 0.85, 0.9, 0.9, 0.9, 1.0,
                1.0, 1.0, 0.95, 0.8, 0.5, 0.2]  # fmt: skip


@dataclass(frozen=True)
class DemoPost:
    """One inbound message: which imitated channel, when, and the generic event."""

    at: dt.datetime
    channel: str
    event: dict[str, Any]


@dataclass(frozen=True)
class DemoReply:
    """An agent's answer to the message with external id ``to`` (empty text: only a status change)."""

    at: dt.datetime
    channel: str
    to: str
    agent: str
    text: str
    status: str = ""


@dataclass
class DemoPlan:
    posts: list[DemoPost] = field(default_factory=list)
    replies: list[DemoReply] = field(default_factory=list)

    def timeline(self) -> list[DemoPost | DemoReply]:
        """Posts and replies in the order they happened (a post before a reply at the same minute)."""
        items: list[DemoPost | DemoReply] = [*self.posts, *self.replies]
        return sorted(items, key=lambda item: (item.at, isinstance(item, DemoReply)))

    def jsonl_records(self) -> list[dict[str, Any]]:
        """The posts in the `resonanz replay` format (the event's own time left out: replays are live)."""
        records = []
        for post in sorted(self.posts, key=lambda p: p.at):
            event = {k: v for k, v in post.event.items() if k != "created_at"}
            records.append({"channel": post.channel, "at": post.at.isoformat(), "event": event})
        return records


@dataclass
class Person:
    first: str
    last: str
    city: str
    plz: str
    district: str
    english: bool
    phone: str
    female: bool = False
    handles: dict[str, str] = field(default_factory=dict)
    title: str = ""  # "Dr." and the like, shown before the name

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.title, self.first, self.last) if part)


def _ascii(text: str) -> str:
    text = text.replace("ß", "ss").replace("ı", "i").replace("ł", "l")
    text = text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    text = text.replace("Ä", "Ae").replace("Ö", "Oe").replace("Ü", "Ue")
    flat = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in flat if ch in string.ascii_letters + string.digits + "_-.")


class _Fill(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Generator:
    def __init__(self, seed: int, end: dt.datetime, tz: str = "Europe/Berlin") -> None:
        self.random = random.Random(seed)
        self.end = end.replace(second=0, microsecond=0)
        self.tz = ZoneInfo(tz)
        self.plan = DemoPlan()
        self.counter = 0
        self.used_handles: set[tuple[str, str]] = set()
        self.people: list[Person] = []
        self.answer_load: dict[str, int] = {}

    # --- small helpers ----------------------------------------------------------------------------------
    def pick(self, items: Sequence[T]) -> T:
        return items[self.random.randrange(len(items))]

    def at(self, minutes_ago: float) -> dt.datetime:
        return self.end - dt.timedelta(minutes=round(minutes_ago))

    def busy_minute(self, low: float = 0, high: float = SPAN_MINUTES) -> float:
        """A minute in [low, high) before the end, more likely by day than by night."""
        while True:
            ago = self.random.uniform(low, high)
            hour = (self.end - dt.timedelta(minutes=ago)).astimezone(self.tz).hour
            if self.random.random() < _HOUR_WEIGHT[hour]:
                return ago

    def next_id(self) -> str:
        self.counter += 1
        return f"demo-{self.counter:05d}"

    def fill(self, template: str, person: Person, **slots: str) -> str:
        device = self.pick(c.DEVICES)
        values = _Fill(
            first=person.first,
            city=person.city,
            plz=person.plz,
            district=person.district,
            since=self.pick(c.SINCE),
            at_device=device[0],
            with_device=device[1],
            customer_word="Kundin" if person.female else "Kunde",
            tvdevice=self.pick(c.TV_DEVICES),
            amount=str(self.pick([7, 9, 12, 15, 19, 24, 30, 42])) + ",99",
            month=self.pick(c.MONTHS),
            product=self.pick(c.PRODUCTS_NET + c.PRODUCTS_MOBILE),
            handle=c.SUPPORT_HANDLE,
            agent=self.pick(["Mia", "Lukas", "Aylin", "Sophie", "Jonas", "Emre", "Hannah"]),
            mins=str(self.pick([10, 15, 20, 25, 30, 40, 45])),
        )
        values.update(slots)
        return template.format_map(values)

    # --- people -----------------------------------------------------------------------------------------
    def make_person(self, city: str | None = None, english: bool = False) -> Person:
        female = self.random.random() < 0.5
        if english:
            first, last = self.pick(c.ENGLISH_NAMES)
        else:
            first = self.pick(c.FIRST_NAMES_F if female else c.FIRST_NAMES_M)
            last = self.pick(c.LAST_NAMES)
        if city is None:
            city = self.random.choices(list(c.CITY_WEIGHTS), weights=list(c.CITY_WEIGHTS.values()))[0]
        plzs, districts, phone_range, _land = c.CITIES[city]
        prefix, low, high, width = phone_range
        person = Person(
            first=first,
            last=last,
            city=city,
            plz=self.pick(plzs),
            district=self.pick(districts),
            english=english,
            female=female,
            phone=f"{prefix}{self.random.randint(low, high):0{width}d}",
        )
        self.people.append(person)
        return person

    def handle(self, person: Person, kind: str) -> str:
        if kind in person.handles:
            return person.handles[kind]
        for attempt in range(50):
            candidate = self._candidate_handle(person, kind, attempt)
            if (kind, candidate.lower()) not in self.used_handles:
                break
        self.used_handles.add((kind, candidate.lower()))
        person.handles[kind] = candidate
        return candidate

    def _candidate_handle(self, person: Person, kind: str, attempt: int) -> str:
        first, last = _ascii(person.first), _ascii(person.last)
        suffix = str(self.random.randint(2, 99)) if attempt else ""
        if kind == "x":
            pattern = self.pick(c.X_HANDLE_PATTERNS)
            handle = pattern.format(
                first=first.lower() if self.random.random() < 0.6 else first,
                last=last.lower(),
                f=first[0].lower(),
                yy=self.pick(["84", "91", "77", "02", "99", "88", "13", ""]),
                city=_ascii(person.city.split()[0]).lower(),
                nick=self.pick(c.NICKS),
                n=self.random.randint(1, 9),
            )
            return (handle + suffix)[:15]
        if kind == "facebook":
            return str(self.random.randint(10**14, 10**15 - 1))
        if kind == "forum":
            return self.pick(c.FORUM_NICKS) + (suffix or self.pick(["", "", "_" + person.city[:3]]))
        if kind == "email":
            domain = self.pick(["example.com", "example.net", "example.org"])
            local = self.pick(
                [f"{first}.{last}", f"{first[0]}.{last}", f"{first}{last[:1]}", f"{last}.{first}"]
            )
            return f"{local.lower()}{suffix}@{domain}"
        if kind == "app":
            return f"app-{self.random.randint(100000, 999999)}"
        if kind == "phone":
            return person.phone if not attempt else person.phone[:-2] + f"{self.random.randint(0, 99):02d}"
        raise ValueError(kind)

    def display_name(self, person: Person, kind: str) -> str:
        if kind == "facebook" and self.random.random() < 0.3:
            return f"{person.first} {person.last[0]}."
        if kind == "forum":
            return person.handles.get("forum", person.first)
        if kind in ("app", "phone", "email"):
            return person.full_name
        if kind == "x":
            return self.pick(
                [
                    person.full_name,
                    person.full_name,
                    person.first,
                    person.first,
                    f"{person.first} {self.pick(['🌻', '⚽', '🚲', '☕'])}",
                    f"{person.first} aus {person.city}",
                ]
            )
        return person.full_name

    # --- posts and replies ------------------------------------------------------------------------------
    def post(
        self,
        person: Person,
        kind: str,
        minutes_ago: float,
        text: str,
        *,
        subject: str = "",
        reply_to: str = "",
        profile: dict[str, str] | None = None,
    ) -> str:
        event_id = self.next_id()
        author_profile: dict[str, str] = {}
        if kind in ("app", "phone", "email") or (kind == "forum" and self.random.random() < 0.5):
            author_profile = {"postal_code": person.plz, "city": person.city}
        if kind == "app":
            author_profile["email"] = (
                f"{_ascii(person.first).lower()}.{_ascii(person.last).lower()}@example.com"
            )
        author_profile.update(profile or {})
        event: dict[str, Any] = {
            "id": event_id,
            "author": {
                "handle": self.handle(person, kind),
                "name": self.display_name(person, kind),
                "profile": author_profile,
            },
            "text": text,
            "created_at": self.at(minutes_ago).isoformat(),
        }
        if subject:
            event["subject"] = subject
        if reply_to:
            event["reply_to"] = reply_to
            if kind == "x" and c.SUPPORT_HANDLE not in text:  # an answer on X names whom it answers
                event["text"] = f"{c.SUPPORT_HANDLE} {text}"
        self.plan.posts.append(DemoPost(at=self.at(minutes_ago), channel=kind, event=event))
        return event_id

    def agent_for(self, group: str) -> str:
        candidates = c.ANSWERERS[group]
        # The least busy of two random candidates: spreads the work, keeps some agents busier.
        one, two = self.pick(candidates), self.pick(candidates)
        chosen = min(one, two, key=lambda name: self.answer_load.get(name, 0))
        self.answer_load[chosen] = self.answer_load.get(chosen, 0) + 1
        return chosen

    def reply(self, kind: str, to: str, minutes_ago: float, agent: str, text: str, status: str = "") -> None:
        minutes_ago = max(minutes_ago, 0.5)
        if text and kind in ("x", "facebook"):
            initials = "".join(part[0] for part in _agent_name(agent).split()[:2])
            text = f"{text} ^{initials}"
        elif text and kind in ("email", "forum"):
            text = f"{text}\n\nViele Grüße\n{_agent_name(agent)}\nNetzwelt Kundenservice"
        self.plan.replies.append(
            DemoReply(at=self.at(minutes_ago), channel=kind, to=to, agent=agent, text=text, status=status)
        )

    def frame(self, person: Person, kind: str, topic: c.Topic) -> tuple[str, str]:
        """The customer's words for one topic in the form of the channel: (text, subject)."""
        core = self.fill(self.pick(topic.cores), person)
        if kind == "x":
            tweet = self.fill(self.pick(topic.tweets), person)
            tails = c.X_TAILS_QUESTION if tweet.endswith("?") else c.X_TAILS_STATEMENT
            text = tweet if c.SUPPORT_HANDLE in tweet else f"{c.SUPPORT_HANDLE} {tweet}{self.pick(tails)}"
            return text[:280], ""
        if kind == "facebook":
            opening, closing = self.pick(c.FB_OPENINGS), self.pick(c.FB_CLOSINGS)
            return "\n".join(p for p in (opening, core, closing) if p), ""
        if kind == "email":
            name = person.full_name
            number = f"Kundennummer: {self.random.randint(1000, 9999)}-{self.random.randint(1000, 9999)}"
            ask = self.pick(c.MAIL_ASKS)
            body = f"{self.pick(c.MAIL_OPENINGS)}\n\n{_after_salutation(core)}\n\n{ask + chr(10) * 2 if ask else ''}"
            body += f"{self.pick(c.MAIL_CLOSINGS)}\n{name}"
            if self.random.random() < 0.6:
                body += f"\n{number}"
            return body, self.pick(topic.subjects)
        if kind == "forum":
            return f"{core} {self.pick(c.FORUM_TAILS)}", self.pick(topic.subjects)
        if kind == "app":
            return f"{self.pick(c.APP_PREFIXES)} {core} (PLZ {person.plz})", ""
        if kind == "phone":
            prefix = self.fill(self.pick(c.PHONE_PREFIXES), person)
            return f"{prefix} „{core}“ Rückrufnummer hinterlegt.", ""
        raise ValueError(kind)

    # --- scenarios --------------------------------------------------------------------------------------
    def background(self, people: list[Person]) -> None:
        kinds = ["x", "facebook", "email", "forum", "app", "phone"]
        kind_weights = [30, 20, 18, 12, 12, 8]
        forum_threads: list[tuple[str, float]] = []
        for _ in range(BACKGROUND_CONVERSATIONS):
            person = self.pick(people)
            if person.handles and self.random.random() < 0.85:
                kind = next(iter(person.handles))  # people mostly stay on the channel they used before
            else:
                kind = self.random.choices(kinds, weights=kind_weights)[0]
            topic = self.random.choices(c.TOPICS, weights=[t.weight for t in c.TOPICS])[0]
            ago = self.busy_minute(30, SPAN_MINUTES)
            text, subject = self.frame(person, kind, topic)
            first_id = self.post(person, kind, ago, text, subject=subject)
            if kind == "forum":
                forum_threads.append((first_id, ago))
            self._answer(person, kind, topic, first_id, ago)
        # Customers helping each other in the forum, before or after the staff answer.
        for thread_id, ago in self.random.sample(forum_threads, min(len(forum_threads), 30)):
            if ago < 60:
                continue
            helper = self.pick(people)
            helped_ago = ago - self.random.uniform(15, min(600, ago - 30))
            self.post(helper, "forum", helped_ago, self.pick(c.FORUM_HELP), reply_to=thread_id)

    def _answer(self, person: Person, kind: str, topic: c.Topic, first_id: str, ago: float) -> None:
        """Maybe an agent reply, maybe a follow-up from the customer, maybe a status change."""
        answered_share = 0.8 if ago > 1440 else 0.55 if ago > 300 else 0.2
        delay = {"x": (8, 90), "facebook": (15, 180), "email": (60, 700), "forum": (30, 400)}.get(
            kind, (20, 240)
        )
        answered = self.random.random() < answered_share
        answer_ago = ago - self.random.uniform(*delay)
        if answer_ago < 2:
            answered = False
        if not answered:
            if ago > 240 and self.random.random() < 0.25:  # the customer chases the answer
                self.post(
                    person,
                    kind,
                    ago - self.random.uniform(30, 220),
                    self.pick(c.FORMAL_NUDGES if kind in ("email", "app") else c.FOLLOWUP_NUDGES),
                    reply_to=first_id,
                )
            return
        agent = self.agent_for(topic.answered_by)
        if kind == "phone":  # a phone note gets a call back, noted as solved
            self.reply(kind, first_id, answer_ago, agent, "", status="solved")
            return
        reply_text = self.fill(self.pick(topic.replies), person)
        follows = answer_ago > 60 and self.random.random() < 0.45
        self.reply(
            kind,
            first_id,
            answer_ago,
            agent,
            reply_text,
            status="" if follows else self.pick(["pending", "solved", "solved"]),
        )
        if follows:
            followup = self.pick(topic.followups)
            followup_ago = answer_ago - self.random.uniform(20, min(answer_ago - 5, 600))
            self.post(person, kind, followup_ago, followup, reply_to=first_id)
            positive = any(
                w in followup for w in ("Danke", "danke", "geht", "läuft", "Super", "Termin ist da")
            )
            if positive and followup_ago > 20 and self.random.random() < 0.7:
                self.reply(
                    kind, first_id, followup_ago - self.random.uniform(5, 20), agent, "", status="solved"
                )

    def praise_and_sarcasm(self, people: list[Person]) -> None:
        for _ in range(22):
            person = self.pick(people)
            kind = self.random.choices(["x", "facebook"], weights=[3, 2])[0]
            ago = self.busy_minute(20, SPAN_MINUTES)
            template = self.pick(c.PRAISE_TWEETS if kind == "x" else c.PRAISE_POSTS + c.PRAISE_TWEETS)
            text = self.fill(template, person, handle=c.SUPPORT_HANDLE if kind == "x" else "Netzwelt")
            post_id = self.post(person, kind, ago, text)
            if ago > 120 and self.random.random() < 0.6:
                agent = self.agent_for("social")
                self.reply(
                    kind,
                    post_id,
                    ago - self.random.uniform(10, 100),
                    agent,
                    self.fill(self.pick(c.PRAISE_REPLIES), person),
                    status="solved",
                )
        for template in c.SARCASM * 2:
            person = self.pick(people)
            ago = self.busy_minute(20, SPAN_MINUTES)
            post_id = self.post(person, "x", ago, self.fill(template, person))
            if ago > 90 and self.random.random() < 0.5:
                self.reply(
                    "x",
                    post_id,
                    ago - self.random.uniform(10, 80),
                    self.agent_for("social"),
                    self.fill(c.SARCASM_REPLIES[0], person),
                )

    def english(self) -> None:
        for _ in range(28):
            person = self.make_person(
                city=self.pick(["Berlin", "München", "Frankfurt am Main", "Hamburg", "Köln"]), english=True
            )
            kind = self.random.choices(["x", "facebook", "email"], weights=[5, 2, 2])[0]
            question, answer = self.pick(c.ENGLISH)
            ago = self.busy_minute(20, SPAN_MINUTES)
            subject = "Question about my contract" if kind == "email" else ""
            text = self.fill(question, person, handle=c.SUPPORT_HANDLE if kind == "x" else "Netzwelt")
            if kind == "x" and c.SUPPORT_HANDLE not in text:
                text = f"{c.SUPPORT_HANDLE} {text}"
            post_id = self.post(person, kind, ago, text, subject=subject)
            if ago > 60 and self.random.random() < 0.65:
                answer_ago = ago - self.random.uniform(10, 60)
                self.reply(
                    kind,
                    post_id,
                    answer_ago,
                    self.pick(["lukas", "ricarda", "demo", "emre"]),
                    self.fill(answer, person),
                )
                if answer_ago > 40 and self.random.random() < 0.4:
                    self.post(
                        person,
                        kind,
                        answer_ago - self.random.uniform(5, 30),
                        self.pick(c.ENGLISH_FOLLOWUPS),
                        reply_to=post_id,
                    )

    def outage(self, locals_: list[Person]) -> None:
        """Many customers in one city within an hour, a few hours before "now"."""
        start = 175.0
        first_ids: list[tuple[Person, str, str, float]] = []
        for index, person in enumerate(locals_):
            kind = self.random.choices(["x", "facebook", "app", "phone", "forum"], weights=[10, 5, 4, 3, 1])[
                0
            ]
            ago = start - self.random.triangular(0, 55, 12) + index * 0.01
            if kind == "x":
                text = self.fill(self.pick(c.OUTAGE_TWEETS), person)
                if c.SUPPORT_HANDLE not in text and self.random.random() < 0.5:
                    text = f"{c.SUPPORT_HANDLE} {text}"
            elif kind in ("facebook", "forum"):
                text = self.fill(self.pick(c.OUTAGE_POSTS), person)
            elif kind == "app":
                text = self.fill(self.pick(c.OUTAGE_APP), person)
            else:
                text = self.fill(self.pick(c.OUTAGE_PHONE), person)
            subject = f"Störung Köln-{person.district}?" if kind == "forum" else ""
            first_ids.append((person, kind, self.post(person, kind, ago, text, subject=subject), ago))
        # The social team answers the public posts first, a known-issue reply.
        for person, kind, post_id, ago in first_ids:
            if kind in ("x", "facebook", "forum") and self.random.random() < 0.55:
                self.reply(
                    kind,
                    post_id,
                    min(ago, 110) - self.random.uniform(5, 60),
                    self.agent_for("social"),
                    self.fill(c.OUTAGE_REPLY, person),
                    status="pending",
                )
        # Service is back about two hours after it broke; some write again.
        last_person, last_kind, last_id, _ = next(item for item in first_ids if item[1] == "x")
        for person, kind, post_id, _ago in self.random.sample(first_ids, 14):
            if kind == "phone" or post_id == last_id:
                continue
            self.post(
                person,
                kind,
                self.random.uniform(1, 35),
                self.fill(
                    self.pick(c.OUTAGE_DONE), person, handle=c.SUPPORT_HANDLE if kind == "x" else "Netzwelt"
                ),
                reply_to=post_id,
            )
        # The newest message of the whole demo: someone on X says it works again.
        self.post(last_person, last_kind, 0, self.fill(c.OUTAGE_DONE[0], last_person), reply_to=last_id)

    def maintenance(self, people: list[Person]) -> None:
        for index, template in enumerate(c.MAINTENANCE_QUESTIONS * 3):
            person = self.make_person(city=self.pick(["Leipzig", "Leipzig", "Dresden"]))
            kind = self.random.choices(["app", "x", "facebook", "forum"], weights=[4, 3, 2, 1])[0]
            ago = 1500 - index * 20 - self.random.uniform(0, 15)
            text = self.fill(template, person)
            if kind == "x":
                text = f"{c.SUPPORT_HANDLE} {text}"
            subject = "Wartungsarbeiten heute Nacht" if kind == "forum" else ""
            post_id = self.post(person, kind, ago, text, subject=subject)
            if self.random.random() < 0.7:
                self.reply(
                    kind,
                    post_id,
                    ago - self.random.uniform(10, 50),
                    self.agent_for("social" if kind in ("x", "facebook") else "first"),
                    self.fill(c.MAINTENANCE_REPLY, person),
                    status="solved",
                )
        del people

    def launch(self, people: list[Person]) -> None:
        for _ in range(40):
            person = self.pick(people)
            kind = self.random.choices(["x", "facebook", "forum", "email"], weights=[5, 3, 2, 1])[0]
            ago = self.busy_minute(200, 2700)
            text = self.fill(self.pick(c.LAUNCH_POSTS), person)
            subject = ""
            if kind == "x":
                text = (
                    f"{c.SUPPORT_HANDLE} {text}" if self.random.random() < 0.7 else f"{text} #Glasfaser1000"
                )
            elif kind == "forum":
                subject = self.pick(
                    ["Glasfaser 1000 – Erfahrungen?", "Netzwelt Box 7", "Wechsel auf Glasfaser 1000"]
                )
            elif kind == "email":
                subject = "Frage zu Glasfaser 1000"
            post_id = self.post(person, kind, ago, text, subject=subject)
            if self.random.random() < 0.5:
                self.reply(
                    kind,
                    post_id,
                    ago - self.random.uniform(15, 150),
                    self.agent_for("social"),
                    self.fill(self.pick(c.LAUNCH_REPLIES), person),
                    status=self.pick(["", "solved"]),
                )

    def vip(self) -> None:
        spec = c.VIP
        person = Person(
            first="Konstantin", last="Albrecht", city=str(spec["city"]), plz=str(spec["plz"]), district="Innenstadt",
            english=False, phone="+496990009042", handles={"email": str(spec["email"])}, title="Dr.",
        )  # fmt: skip
        profile = {"vip": "true"}
        start = 1950.0
        ids: list[str] = []
        for offset, (kind, subject, text) in zip((0, 25, 55), spec["messages"], strict=True):  # type: ignore[call-overload]
            reply_to = ids[0] if kind == "email" and ids else ""
            ids.append(
                self.post(
                    person, kind, start - offset, text, subject=subject, reply_to=reply_to, profile=profile
                )
            )
        self.reply("email", ids[0], start - 62, "felix", str(spec["reply"]), status="pending")

    def sensitive(self) -> None:
        for index, spec in enumerate(c.SENSITIVE):
            name = str(spec["name"])
            first, _, last = name.partition(" ")
            _plzs, districts, phone_range, _ = c.CITIES[str(spec["city"])]
            person = Person(first=first, last=last, city=str(spec["city"]), plz=str(spec["plz"]), district=districts[0],
                            english=False, phone=f"{phone_range[0]}{phone_range[1] + 7:0{phone_range[3]}d}")  # fmt: skip
            kind = str(spec["kind"])
            start = 2900.0 if index == 0 else 760.0
            post_id = self.post(person, kind, start, str(spec["text"]), subject=str(spec.get("subject", "")))
            self.reply(kind, post_id, start - 35, str(spec["agent"]), str(spec["reply"]), status="pending")
            self.post(person, kind, start - 180, str(spec["followup"]), reply_to=post_id)


def _after_salutation(sentence: str) -> str:
    """After "Sehr geehrte Damen und Herren," a letter goes on in lower case (but "Sie" stays)."""
    first_word = sentence.split(" ", 1)[0]
    if first_word in ("Sie", "Ihre", "Ihr", "Ihnen") or len(first_word) < 2 or first_word.isupper():
        return sentence
    return sentence[0].lower() + sentence[1:]


def _agent_name(username: str) -> str:
    for agent in c.AGENTS:
        if agent.username == username:
            return agent.display_name
    raise KeyError(username)


def generate(end: dt.datetime, seed: int = DEFAULT_SEED) -> DemoPlan:
    """The whole demo: ~700 inbound messages from ~300 customers over three days up to ``end``."""
    generator = Generator(seed, end)
    general = [generator.make_person() for _ in range(GENERAL_PEOPLE)]
    cologne = [p for p in general if p.city == c.OUTAGE_CITY][:10]
    cologne += [generator.make_person(city=c.OUTAGE_CITY) for _ in range(OUTAGE_PEOPLE - len(cologne))]
    generator.background(general)
    generator.praise_and_sarcasm(general)
    generator.english()
    generator.maintenance(general)
    generator.launch(general)
    generator.vip()
    generator.sensitive()
    generator.outage(cologne)
    return generator.plan
