"""Writes on the community forum. Community first, staff when needed: a question without an accepted or
official answer after its category's waiting time is due for staff (`questions_needing_staff`)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from resonanz.channels.base import Author, RawEvent
from resonanz.channels.ingest import accept_events
from resonanz.channels.models import ChannelAccount
from resonanz.community.models import Answer, DeflectionEvent, LoginLink, Member, Question, Vote
from resonanz.conversations.models import Message
from resonanz.core.errors import InvalidInput, PermissionDenied, ResonanzError
from resonanz.core.queue import enqueue
from resonanz.core.text import clean_text, one_line
from resonanz.customers.actions import do_resolve_identity
from resonanz.workspaces.models import Agent, Workspace

NOTIFY_TASK = "community.notify_asker"
LOGIN_TASK = "community.send_login_link"
ACCEPTED_TASK = "community.notify_accepted"


class TooManyPosts(ResonanzError):
    status_code = 429


QUESTIONS_PER_MEMBER_HOUR = 5
QUESTIONS_PER_IP_HOUR = 10
ANSWERS_PER_MEMBER_HOUR = 20
ANSWERS_PER_IP_HOUR = 40
LOGIN_LINKS_PER_MEMBER_HOUR = 3
LOGIN_LINKS_PER_IP_HOUR = 10
LINK_MINUTES = 30
SPAM_QUEUE_FROM = 0.5
DEFAULT_WAIT = dt.timedelta(hours=2)
CATEGORY_WAIT = {"stoerungen": dt.timedelta(0)}  # outages go to staff at once
SENSITIVE = re.compile(
    r"\b(kündig\w*|anwalt|datenschutz|betrug|notfall|lawyer|fraud|emergency)\b", re.IGNORECASE
)
_SPAM_WORDS = re.compile(
    r"\b(casino|viagra|crypto|bitcoin|gewinnspiel|kredit ohne schufa|click here)\b", re.I
)
_ABUSE = re.compile(
    r"\b(idiot\w*|arschloch\w*|wichser|vollpfosten|hurensohn|fuck\w*|asshole|moron\w*|scheißladen)\b", re.I
)
_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)
REPUTATION = {"accepted": 15, "upvote": 2, "downvote": -1}


PUBLIC_VERSION_KEY = "community:public-version"


def public_version() -> int:
    """A number that changes whenever something on the public forum pages changes (their cache key)."""
    from django.core.cache import cache

    version = cache.get(PUBLIC_VERSION_KEY)
    if version is None:
        version = 1
        cache.add(PUBLIC_VERSION_KEY, version, None)
    return int(version)


def _changed() -> None:
    from django.core.cache import cache

    def bump() -> None:
        try:
            cache.incr(PUBLIC_VERSION_KEY)
        except ValueError:
            cache.set(PUBLIC_VERSION_KEY, 2, None)

    transaction.on_commit(bump)


def spam_score(title: str, body: str) -> float:
    """0 (fine) to 1 (spam or abuse): links, shouting, spam words, insults, repeated characters."""
    text = f"{title}\n{body}"
    letters = [c for c in text if c.isalpha()]
    shouting = sum(c.isupper() for c in letters) / len(letters) if len(letters) >= 20 else 0.0
    score = 0.2 * min(len(_LINK.findall(text)), 3) + 0.5 * bool(_SPAM_WORDS.search(text))
    score += 0.5 * bool(_ABUSE.search(text))
    score += 0.3 * (shouting > 0.6) + 0.2 * bool(re.search(r"(.)\1{7,}", text))
    return round(min(score, 1.0), 2)


def do_join(workspace: Workspace, nickname: str, display_name: str = "", email: str = "") -> Member:
    """A member is a forum identity of a customer, like an X handle: the customer's history shows it."""
    nickname = one_line(clean_text(nickname)[0], 40)
    if not re.fullmatch(r"[\w.\- ]{3,40}", nickname):
        raise InvalidInput(_("Spitzname: 3 bis 40 Buchstaben, Ziffern, Punkt, Bindestrich"))
    identity = do_resolve_identity(workspace, Author("forum", nickname, display_name or nickname))
    email = email.strip()[:254]
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise InvalidInput(_("E-Mail-Adresse ungültig"))
    try:
        with transaction.atomic():
            return Member.objects.create(
                workspace=workspace, identity=identity, nickname=nickname, email=email
            )
    except IntegrityError:
        member = Member.objects.get(identity=identity)
        if email and member.email and member.email.lower() != email.lower():
            raise InvalidInput(_("Dieser Spitzname ist vergeben")) from None
        if email and member.email != email:
            Member.objects.filter(pk=member.pk).update(email=email)
            member.email = email
        return member


def _recent(queryset: QuerySet[Question] | QuerySet[Answer] | QuerySet[LoginLink], now: dt.datetime) -> int:
    return queryset.filter(created_at__gte=now - dt.timedelta(hours=1)).count()


def do_ask_question(
    member: Member, title: str, body: str, *, ip_address: str | None = None, category: str = ""
) -> Question:
    if member.banned:
        raise PermissionDenied(_("gesperrt"))
    title = one_line(clean_text(title)[0], 200)
    body = clean_text(body)[0].strip()
    if len(title) < 5 or not body:
        raise InvalidInput(_("Bitte Titel (mindestens 5 Zeichen) und Frage angeben"))
    now = timezone.now()
    if _recent(Question.objects.filter(author=member), now) >= QUESTIONS_PER_MEMBER_HOUR:
        raise TooManyPosts(_("Zu viele Fragen in kurzer Zeit"))
    if ip_address and _recent(Question.objects.filter(ip_address=ip_address), now) >= QUESTIONS_PER_IP_HOUR:
        raise TooManyPosts(_("Zu viele Fragen von dieser Adresse"))
    score = spam_score(title, body)
    wait = (
        dt.timedelta(0) if SENSITIVE.search(f"{title} {body}") else CATEGORY_WAIT.get(category, DEFAULT_WAIT)
    )
    _changed()
    return Question.objects.create(
        workspace_id=member.workspace_id,
        author=member,
        category=category,
        title=title,
        body=body,
        spam_score=score,
        status=Question.Status.QUEUED if score >= SPAM_QUEUE_FROM else Question.Status.OPEN,
        ip_address=ip_address,
        staff_needed_at=now + wait,
    )


def _check_open(question: Question) -> None:
    if question.locked or question.status in (Question.Status.HIDDEN, Question.Status.QUEUED):
        raise InvalidInput(_("Diese Frage nimmt keine Antworten an"))


def do_answer(member: Member, question: Question, body: str, *, ip_address: str | None = None) -> Answer:
    if member.banned:
        raise PermissionDenied(_("gesperrt"))
    _check_open(question)
    body = clean_text(body)[0].strip()
    if not body:
        raise InvalidInput(_("Antwort fehlt"))
    now = timezone.now()
    if _recent(Answer.objects.filter(member=member), now) >= ANSWERS_PER_MEMBER_HOUR:
        raise TooManyPosts(_("Zu viele Antworten in kurzer Zeit"))
    if ip_address and _recent(Answer.objects.filter(ip_address=ip_address), now) >= ANSWERS_PER_IP_HOUR:
        raise TooManyPosts(_("Zu viele Antworten von dieser Adresse"))
    score = spam_score("", body)
    queued = score >= SPAM_QUEUE_FROM  # held for moderation: not shown, nobody notified until approved
    with transaction.atomic():
        answer = Answer.objects.create(
            question=question,
            member=member,
            body=body,
            ip_address=ip_address,
            spam_score=score,
            queued=queued,
            hidden=queued,
        )
        _changed()
        if not queued:
            enqueue(NOTIFY_TASK, answer.pk)
    return answer


def do_post_official_answer(
    agent: Agent, question: Question, body: str, *, source_message_id: int | None = None
) -> Answer:
    """Staff answer, marked official; the question counts as answered and the answer joins suggestions."""
    if question.workspace_id != agent.workspace_id:
        raise InvalidInput(_("Frage gehört zu einem anderen Arbeitsbereich"))
    body = clean_text(body)[0].strip()
    if not body:
        raise InvalidInput(_("Antwort fehlt"))
    with transaction.atomic():
        answer = Answer.objects.create(
            question=question, agent=agent, body=body, official=True, source_message_id=source_message_id
        )
        Question.objects.filter(pk=question.pk).update(status=Question.Status.ANSWERED)
        _index(question, answer)
        _changed()
        enqueue(NOTIFY_TASK, answer.pk)
    return answer


def do_vote(member: Member, answer: Answer, value: int) -> bool:
    """One vote per member and answer (insert-or-ignore); returns whether it counted."""
    if value not in (1, -1) or member.banned or answer.member_id == member.pk:
        raise InvalidInput(_("Stimme nicht möglich"))
    try:
        with transaction.atomic():
            Vote.objects.create(answer=answer, member=member, value=value)
            Answer.objects.filter(pk=answer.pk).update(score=F("score") + value)
            _changed()
            if answer.member_id:
                gain = REPUTATION["upvote" if value > 0 else "downvote"]
                Member.objects.filter(pk=answer.member_id).update(reputation=F("reputation") + gain)
    except IntegrityError:
        return False
    return True


def do_accept_answer(member: Member, question: Question, answer: Answer) -> None:
    if question.author_id != member.pk or answer.question_id != question.pk:
        raise PermissionDenied(_("Nur wer gefragt hat, kann eine Antwort annehmen"))
    if member.banned or answer.hidden:
        raise InvalidInput(_("Annehmen nicht möglich"))
    with transaction.atomic():
        updated = Question.objects.filter(pk=question.pk, accepted_answer__isnull=True).update(
            accepted_answer=answer, status=Question.Status.ANSWERED
        )
        if updated and answer.member_id and answer.member_id != member.pk:
            Member.objects.filter(pk=answer.member_id).update(
                reputation=F("reputation") + REPUTATION["accepted"]
            )
        if updated:
            _index(question, answer)
            _changed()
            if answer.member_id and answer.member_id != member.pk:
                enqueue(ACCEPTED_TASK, answer.pk)


def _index(question: Question, answer: Answer) -> None:
    from resonanz.knowledge.actions import do_upsert_suggestion_item
    from resonanz.knowledge.models import SuggestionItem

    do_upsert_suggestion_item(
        question.workspace_id,
        SuggestionItem.Kind.COMMUNITY_ANSWER,
        answer.pk,
        title=question.title,
        text=answer.body,
        url=f"/community/{question.pk}/",
    )


MODERATION = ("hide_question", "hide_answer", "lock", "ban", "approve", "approve_answer", "edit_answer")


def do_moderate(
    moderator: Member | Agent,
    action: str,
    *,
    question: Question | None = None,
    answer: Answer | None = None,
    member: Member | None = None,
    body: str = "",
) -> None:
    """Community moderators (members flagged as such) and agents moderate; everyone else is refused."""
    if isinstance(moderator, Member) and (not moderator.is_moderator or moderator.banned):
        raise PermissionDenied(_("Nur Moderatoren"))
    _changed()
    if action == "hide_question" and question:
        Question.objects.filter(pk=question.pk).update(status=Question.Status.HIDDEN)
    elif action == "approve" and question:
        Question.objects.filter(pk=question.pk, status=Question.Status.QUEUED).update(
            status=Question.Status.OPEN
        )
    elif action == "lock" and question:
        Question.objects.filter(pk=question.pk).update(locked=True)
    elif action == "hide_answer" and answer:
        Answer.objects.filter(pk=answer.pk).update(hidden=True, queued=False)
    elif action == "approve_answer" and answer:
        if Answer.objects.filter(pk=answer.pk, queued=True).update(hidden=False, queued=False):
            enqueue(NOTIFY_TASK, answer.pk)
    elif action == "edit_answer" and answer and body.strip():
        Answer.objects.filter(pk=answer.pk).update(body=clean_text(body)[0].strip())
    elif action == "ban" and member:
        Member.objects.filter(pk=member.pk).update(banned=True)
    else:
        raise InvalidInput(_("unbekannte Moderation „%(action)s“") % {"action": action})


def moderation_queue(workspace: Workspace) -> QuerySet[Question]:
    return Question.objects.filter(workspace=workspace, status=Question.Status.QUEUED).order_by("-spam_score")


def answer_queue(workspace: Workspace) -> QuerySet[Answer]:
    """Answers held for moderation (spam or abuse score ≥ SPAM_QUEUE_FROM)."""
    return Answer.objects.filter(question__workspace=workspace, queued=True).order_by("-spam_score")


def questions_needing_staff(workspace: Workspace, now: dt.datetime | None = None) -> QuerySet[Question]:
    """Open questions past their waiting time with neither an accepted nor an official answer."""
    now = now or timezone.now()
    return (
        Question.objects.filter(workspace=workspace, status=Question.Status.OPEN, staff_needed_at__lte=now)
        .filter(accepted_answer__isnull=True)
        .exclude(answers__official=True)
    )


def ranked_answers(question: Question) -> list[Answer]:
    """Official first, then the accepted one, then by votes with trusted members' answers lifted."""
    answers = list(question.answers.filter(hidden=False).select_related("member"))

    def key(answer: Answer) -> tuple[int, int, float]:
        trusted = bool(answer.member and answer.member.trusted)
        return (-answer.official, -(answer.pk == question.accepted_answer_id), -(answer.score + 3 * trusted))

    return sorted(answers, key=key)


QUESTION_EVENT = "community-question-{}"


def community_account(workspace: Workspace) -> ChannelAccount | None:
    """The channel account community questions arrive on: one whose events are forum identities (the demo's
    "Community-Forum" imitates `forum`)."""
    return ChannelAccount.objects.filter(workspace=workspace, config__imitates="forum").order_by("pk").first()


def do_route_due_questions(workspace: Workspace, now: dt.datetime | None = None) -> int:
    """Community first, staff when needed: every question due for staff becomes an inbound event on the
    community channel account, so it is stored, threaded, annotated and routed like any message; the author
    is the member's forum identity (one customer, one history). Idempotent on the event id."""
    account = community_account(workspace)
    if account is None:
        return 0
    due = list(
        questions_needing_staff(workspace, now).filter(routed_at__isnull=True).select_related("author")
    )
    if not due:
        return 0
    events = [
        RawEvent(
            QUESTION_EVENT.format(question.pk),
            {
                "id": QUESTION_EVENT.format(question.pk),
                "author": {
                    "kind": "forum",
                    "handle": question.author.nickname,
                    "name": question.author.nickname,
                },
                "text": f"{question.title}\n\n{question.body}",
                "subject": question.title,
                "public": True,
            },
            event_type="message",
        )
        for question in due
    ]
    accept_events(account, events)
    Question.objects.filter(pk__in=[q.pk for q in due]).update(routed_at=now or timezone.now())
    return len(due)


def do_publish_staff_replies(limit: int = 200) -> int:
    """The agent's public reply in a conversation that came from a community question is posted back in the
    thread as the official answer (once per reply)."""
    routed = {
        QUESTION_EVENT.format(q.pk): q
        for q in Question.objects.filter(routed_at__isnull=False).exclude(status=Question.Status.HIDDEN)[
            :limit
        ]
    }
    if not routed:
        return 0
    questions = Message.objects.filter(
        direction=Message.Direction.INBOUND, external_id__in=list(routed)
    ).values_list("conversation_id", "external_id")
    conversation_question = {
        conversation_id: routed[external_id] for conversation_id, external_id in questions
    }
    published = set(
        Answer.objects.filter(source_message_id__isnull=False).values_list("source_message_id", flat=True)
    )
    replies = (
        Message.objects.filter(
            conversation_id__in=list(conversation_question),
            direction=Message.Direction.OUTBOUND,
            visibility=Message.Visibility.PUBLIC,
            author_agent__isnull=False,
        )
        .exclude(pk__in=published)
        .select_related("author_agent")
        .order_by("pk")
    )
    count = 0
    for reply in replies:
        assert reply.author_agent is not None
        try:
            do_post_official_answer(
                reply.author_agent,
                conversation_question[reply.conversation_id],
                reply.text,
                source_message_id=reply.pk,
            )
            count += 1
        except (IntegrityError, InvalidInput):
            continue  # posted by a parallel run, or an empty reply
    return count


def do_record_deflection(workspace: Workspace, visit: str, kind: str, source: str = "forum") -> bool:
    """One step of a visit; an unknown kind or source or a malformed visit id is ignored (returns False)."""
    if (
        kind in DeflectionEvent.Kind.values
        and source in DeflectionEvent.Source.values
        and re.fullmatch(r"[0-9a-f]{32}", visit)
    ):
        DeflectionEvent.objects.create(workspace=workspace, visit=visit, kind=kind, source=source)
        return True
    return False


@dataclass(frozen=True)
class DeflectionFigures:
    visits_with_matches: int
    opened: int
    deflected: int  # opened a match and did not ask

    @property
    def share(self) -> float:
        return round(self.deflected / self.visits_with_matches, 3) if self.visits_with_matches else 0.0


def deflection_figures(
    workspace: Workspace, since: dt.datetime | None = None, source: str | None = None
) -> DeflectionFigures:
    """Visits that were shown matches, opened one, and opened one without asking; `source` picks the forum
    or the widget and app (None: both)."""
    events = DeflectionEvent.objects.filter(workspace=workspace)
    if source is not None:
        events = events.filter(source=source)
    if since is not None:
        events = events.filter(created_at__gte=since)
    kinds: dict[str, set[str]] = {}
    for visit, kind in events.values_list("visit", "kind"):
        kinds.setdefault(visit, set()).add(kind)
    shown = [k for k in kinds.values() if "shown" in k]
    opened = [k for k in shown if "opened" in k]
    return DeflectionFigures(len(shown), len(opened), sum(1 for k in opened if "asked" not in k))


def notify_asker(answer_id: int) -> bool:
    """E-mail the asker (when they left an address) that their question has an answer. Django's mail
    backend (EMAIL_HOST, EMAIL_PORT …); returns whether a mail went out."""
    from django.conf import settings
    from django.core.mail import send_mail

    answer = Answer.objects.select_related("question__author", "member", "agent").filter(pk=answer_id).first()
    if answer is None or answer.hidden:
        return False
    asker = answer.question.author
    if not asker.email or answer.member_id == asker.pk or asker.banned:
        return False
    who = (
        "Das Team (offizielle Antwort)"
        if answer.official
        else (answer.member.nickname if answer.member else "")
    )
    link = f"{settings.PUBLIC_URL}/community/{answer.question_id}/"
    send_mail(
        subject=f"Neue Antwort: {answer.question.title}"[:150],
        message=f"Hallo {asker.nickname},\n\n{who} hat auf Ihre Frage geantwortet:\n\n{answer.body}\n\n{link}\n",
        from_email=None,
        recipient_list=[asker.email],
    )
    return True


def notify_accepted(answer_id: int) -> bool:
    """E-mail the member whose answer was accepted (when they left an address)."""
    from django.conf import settings
    from django.core.mail import send_mail

    answer = Answer.objects.select_related("question", "member").filter(pk=answer_id).first()
    if answer is None or answer.member is None or not answer.member.email or answer.member.banned:
        return False
    link = f"{settings.PUBLIC_URL}/community/{answer.question_id}/"
    send_mail(
        subject=f"Ihre Antwort wurde angenommen: {answer.question.title}"[:150],
        message=(
            f"Hallo {answer.member.nickname},\n\nIhre Antwort auf „{answer.question.title}“ wurde als "
            f"Lösung angenommen (+{REPUTATION['accepted']} Ansehen).\n\n{link}\n"
        ),
        from_email=None,
        recipient_list=[answer.member.email],
    )
    return True


# --- Members sign in with a link by e-mail (decision 0870) ------------------------------------------------


def do_request_login_link(
    workspace: Workspace,
    email: str,
    nickname: str = "",
    *,
    ip_address: str | None = None,
    next_path: str = "",
) -> LoginLink | None:
    """A sign-in link for the member with this address, e-mailed (task LOGIN_TASK). A new address needs a
    nickname and becomes a member. Returns None (and sends nothing) for an unknown address without a
    nickname or a banned member, so the page cannot tell which addresses are members. Rate-limited per
    member and IP address (429)."""
    email = email.strip()[:254]
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise InvalidInput(_("E-Mail-Adresse ungültig"))
    now = timezone.now()
    if (
        ip_address
        and _recent(LoginLink.objects.filter(ip_address=ip_address), now) >= LOGIN_LINKS_PER_IP_HOUR
    ):
        raise TooManyPosts(_("Zu viele Anmeldungen von dieser Adresse"))
    member = Member.objects.filter(workspace=workspace, email__iexact=email).order_by("pk").first()
    if member is None:
        if not nickname.strip():
            return None
        member = do_join(workspace, nickname, email=email)
    if member.banned:
        return None
    if _recent(LoginLink.objects.filter(member=member), now) >= LOGIN_LINKS_PER_MEMBER_HOUR:
        raise TooManyPosts(_("Zu viele Anmeldungen in kurzer Zeit"))
    with transaction.atomic():
        safe_next = next_path if re.fullmatch(r"/community/[\w/\-]*", next_path) else ""
        link = LoginLink.objects.create(member=member, ip_address=ip_address, next_path=safe_next[:300])
        enqueue(LOGIN_TASK, link.pk)
    return link


_LOGIN_SALT = "resonanz.community.login"


def login_token(link: LoginLink) -> str:
    from django.core import signing

    return signing.dumps({"link": link.pk, "member": link.member_id}, salt=_LOGIN_SALT, compress=True)


def send_login_link(link_id: int) -> bool:
    from django.conf import settings
    from django.core.mail import send_mail

    link = LoginLink.objects.select_related("member").filter(pk=link_id, used_at__isnull=True).first()
    if link is None or not link.member.email:
        return False
    url = f"{settings.PUBLIC_URL}/community/anmelden/{login_token(link)}/"
    if link.next_path:
        url += f"?weiter={link.next_path}"
    send_mail(
        subject="Ihr Anmelde-Link für die Community",
        message=(
            f"Hallo {link.member.nickname},\n\nmit diesem Link melden Sie sich in der Community an "
            f"(gültig {LINK_MINUTES} Minuten, einmal):\n\n{url}\n\n"
            "Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail.\n"
        ),
        from_email=None,
        recipient_list=[link.member.email],
    )
    return True


def login_link_member(workspace: Workspace, token: str) -> Member:
    """The member a (not yet used, not expired) link signs in; InvalidInput otherwise. Does not use it."""
    from django.core import signing

    try:
        data = signing.loads(token, salt=_LOGIN_SALT, max_age=LINK_MINUTES * 60)
    except signing.BadSignature:
        raise InvalidInput(_("Der Anmelde-Link ist ungültig oder abgelaufen")) from None
    link = (
        LoginLink.objects.select_related("member")
        .filter(pk=data.get("link"), member_id=data.get("member"), used_at__isnull=True)
        .first()
    )
    if link is None or link.member.workspace_id != workspace.pk or link.member.banned:
        raise InvalidInput(_("Der Anmelde-Link ist ungültig oder abgelaufen"))
    return link.member


def do_use_login_link(workspace: Workspace, token: str) -> Member:
    """Signs in once: the link is marked used in the same update that checks it was unused."""
    member = login_link_member(workspace, token)
    from django.core import signing

    data = signing.loads(token, salt=_LOGIN_SALT, max_age=LINK_MINUTES * 60)
    if not LoginLink.objects.filter(pk=data["link"], used_at__isnull=True).update(used_at=timezone.now()):
        raise InvalidInput(_("Der Anmelde-Link ist ungültig oder abgelaufen"))
    return member
