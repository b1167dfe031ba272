"""The public community forum (server-rendered): questions, answers ranked with official and trusted ones
first, asking under a nickname with matching answers shown while typing (deflection, measured). Members sign
in with a link by e-mail (decision 0870) to vote, accept the answer to their own question and moderate.
Lists and threads are cached briefly for visitors without a session; a signed-in member's pages are not."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from resonanz.community import actions
from resonanz.community.deflection import public_matches
from resonanz.community.models import Answer, Member, Question
from resonanz.core.clientip import client_ip
from resonanz.core.errors import InvalidInput, ResonanzError
from resonanz.web.forms import (
    AnswerForm,
    AskForm,
    LoginLinkForm,
    MemberModerationForm,
    ModerationForm,
    NextForm,
    VoteForm,
    read,
    typed,
)
from resonanz.web.permissions import requires
from resonanz.web.views.common import current_agent as _agent
from resonanz.web.views.knowledge import _public_workspace

VISIBLE = (Question.Status.OPEN, Question.Status.ANSWERED)
PUBLIC_CACHE_SECONDS = 30
SESSION_MEMBER = "community_member"

View = Callable[..., HttpResponse]


def cached_for_visitors(view: View) -> View:
    """Cached for visitors without a session (one copy for everyone: the cached page has no form and no
    per-visitor part); a signed-in member or agent always gets a fresh page. Every forum write bumps the
    forum's version (`actions.public_version`), so a visitor who just answered sees the answer at once;
    other processes with their own local cache see it within PUBLIC_CACHE_SECONDS."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if settings.SESSION_COOKIE_NAME in request.COOKIES or request.method != "GET":
            return view(request, *args, **kwargs)
        key = f"community-page:{actions.public_version()}:{translation.get_language()}:{request.get_full_path()}"
        stored = cache.get(key)
        if stored is not None:
            status, content, content_type = stored
            return HttpResponse(content, status=status, content_type=content_type)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.cookies:  # a page that sets a cookie is personal
            cache.set(key, (200, response.content, response["Content-Type"]), PUBLIC_CACHE_SECONDS)
        return response

    return wrapper


def signed_in_member(request: HttpRequest) -> Member | None:
    """The member signed in on this browser (not banned), or None; no session is touched without a cookie."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return None
    member_id = request.session.get(SESSION_MEMBER)
    if not member_id:
        return None
    workspace = _public_workspace()
    return Member.objects.filter(pk=member_id, workspace=workspace, banned=False).first()


def _login_url(next_path: str) -> str:
    return f"{reverse('web:community_login')}?{urlencode({'weiter': next_path})}"


@cached_for_visitors
def question_list(request: HttpRequest) -> HttpResponse:
    workspace = _public_workspace()
    questions = (
        Question.objects.filter(workspace=workspace, status__in=VISIBLE)
        .select_related("author")
        .annotate(answer_count=Count("answers"))
        .order_by("-created_at")[:50]
    )
    return render(
        request,
        "web/community/list.html",
        {
            "workspace": workspace,
            "questions": questions,
            "language": "de",
            "member": signed_in_member(request),
        },
    )


def _question_page(
    request: HttpRequest, question: Question, error: str = "", status: int = 200, body: str = ""
) -> HttpResponse:
    member = signed_in_member(request)
    answers = actions.ranked_answers(question)
    voted: set[int] = set()
    if member is not None:
        voted = set(member.votes.filter(answer__question=question).values_list("answer_id", flat=True))
    return render(
        request,
        "web/community/question.html",
        {
            "workspace": question.workspace,
            "question": question,
            "answers": answers,
            "language": "de",
            "error": error,
            "member": member,
            "voted": voted,
            "may_accept": member is not None
            and member.pk == question.author_id
            and question.accepted_answer_id is None,
            "body": body,
        },
        status=status,
    )


@cached_for_visitors
def question_detail(request: HttpRequest, question_id: int) -> HttpResponse:
    workspace = _public_workspace()
    question = Question.objects.filter(workspace=workspace, pk=question_id, status__in=VISIBLE).first()
    if question is None:
        raise Http404("question")
    return _question_page(request, question, request.GET.get("fehler", "")[:200])


def _ip(request: HttpRequest) -> str | None:
    return client_ip(request) or None


def _poster(request: HttpRequest, nickname: str, email: str = "") -> Member:
    """Who posts: the signed-in member, else a nickname that no member has claimed with an address (a
    claimed nickname posts only after signing in, so nobody writes under another member's name)."""
    member = signed_in_member(request)
    if member is not None:
        return member
    workspace = _public_workspace()
    claimed = Member.objects.filter(workspace=workspace, nickname=nickname.strip()).exclude(email="").first()
    if claimed is not None:
        raise InvalidInput(_("Dieser Spitzname gehört einem Mitglied: bitte zuerst anmelden"))
    return actions.do_join(workspace, nickname, email=email)


def ask(request: HttpRequest) -> HttpResponse:
    workspace = _public_workspace()
    posted = read(AskForm, request.POST)
    visit = posted["visit"] or uuid.uuid4().hex
    form = {"nickname": "", "email": "", "title": "", "body": "", "category": ""}
    error = ""
    status = 200
    if request.method == "POST":
        form = {key: posted[key] for key in form}
        try:
            member = _poster(request, form["nickname"], form["email"])
            question = actions.do_ask_question(
                member, form["title"], form["body"], ip_address=_ip(request), category=form["category"][:80]
            )
            actions.do_record_deflection(workspace, visit, "asked")
            return redirect("web:community_question", question_id=question.pk)
        except ResonanzError as problem:
            error, status = problem.message, problem.status_code
    return render(
        request,
        "web/community/ask.html",
        {
            "workspace": workspace,
            "form": form,
            "error": error,
            "visit": visit,
            "language": "de",
            "member": signed_in_member(request),
        },
        status=status,
    )


def matches(request: HttpRequest) -> HttpResponse:
    """While the visitor types: public articles and accepted community answers like the question."""
    workspace = _public_workspace()
    text = f"{request.GET.get('title', '')}\n{request.GET.get('body', '')}".strip()[:1000]
    visit = request.GET.get("visit", "")
    found = public_matches(workspace, text)
    if found:
        actions.do_record_deflection(workspace, visit, "shown")
    return render(request, "web/community/_matches.html", {"matches": found, "visit": visit})


def open_match(request: HttpRequest) -> HttpResponse:
    """A shown match was opened: counted, then the visitor goes to it."""
    workspace = _public_workspace()
    target = request.GET.get("to", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=None) or not target.startswith("/"):
        raise Http404("target")
    actions.do_record_deflection(workspace, request.GET.get("visit", ""), "opened")
    return redirect(target)


def _visible_question(question_id: int) -> Question:
    workspace = _public_workspace()
    question = Question.objects.filter(workspace=workspace, pk=question_id, status__in=VISIBLE).first()
    if question is None:
        raise Http404("question")
    return question


def _answer_page(
    request: HttpRequest,
    question: Question,
    error: str = "",
    status: int = 200,
    form: dict[str, Any] | None = None,
) -> HttpResponse:
    return render(
        request,
        "web/community/answer.html",
        {
            "workspace": question.workspace,
            "question": question,
            "language": "de",
            "member": signed_in_member(request),
            "error": error,
            "form": form or {},
        },
        status=status,
    )


def answer(request: HttpRequest, question_id: int) -> HttpResponse:
    """GET: the answer form (the cached question page carries none); POST: the answer."""
    question = _visible_question(question_id)
    if request.method != "POST":
        return _answer_page(request, question)
    posted = read(AnswerForm, request.POST)
    try:
        member = _poster(request, posted["nickname"])
        actions.do_answer(member, question, posted["body"], ip_address=_ip(request))
    except ResonanzError as problem:
        if signed_in_member(request) is not None:
            return _question_page(request, question, problem.message, problem.status_code, posted["body"])
        # A visitor answers on the answer page (the question page has no form for them): again, as typed.
        form = typed(AnswerForm, request.POST)
        return _answer_page(request, question, problem.message, problem.status_code, form)
    return redirect("web:community_question", question_id=question.pk)


def _answer_of(question: Question, answer_id: int) -> Answer:
    found = question.answers.filter(pk=answer_id, hidden=False).first()
    if found is None:
        raise Http404("answer")
    return found


@require_POST
def vote(request: HttpRequest, question_id: int, answer_id: int) -> HttpResponse:
    question = _visible_question(question_id)
    member = signed_in_member(request)
    if member is None:
        return redirect(_login_url(reverse("web:community_question", args=[question.pk])))
    try:
        actions.do_vote(member, _answer_of(question, answer_id), read(VoteForm, request.POST)["value"])
    except ResonanzError as problem:
        return _question_page(request, question, problem.message, problem.status_code)
    return redirect("web:community_question", question_id=question.pk)


@require_POST
def accept(request: HttpRequest, question_id: int, answer_id: int) -> HttpResponse:
    question = _visible_question(question_id)
    member = signed_in_member(request)
    if member is None:
        return redirect(_login_url(reverse("web:community_question", args=[question.pk])))
    try:
        actions.do_accept_answer(member, question, _answer_of(question, answer_id))
    except ResonanzError as problem:
        return _question_page(request, question, problem.message, problem.status_code)
    return redirect("web:community_question", question_id=question.pk)


@require_POST
def member_moderate(request: HttpRequest, question_id: int) -> HttpResponse:
    """A community moderator (a member flagged as such) hides or locks a question or hides an answer."""
    question = _visible_question(question_id)
    member = signed_in_member(request)
    if member is None:
        return redirect(_login_url(reverse("web:community_question", args=[question.pk])))
    try:
        posted = read(MemberModerationForm, request.POST)
        action = posted["action"]
        if action == "hide_answer":
            actions.do_moderate(member, action, answer=_answer_of(question, posted["answer"] or 0))
        else:
            actions.do_moderate(member, action, question=question)
    except ResonanzError as problem:
        return _question_page(request, question, problem.message, problem.status_code)
    if action == "hide_question":
        return redirect("web:community")
    return redirect("web:community_question", question_id=question.pk)


# --- signing in (decision 0870) -----------------------------------------------------------------------------


def _next(request: HttpRequest, default: str = "/community/") -> str:
    target = read(NextForm, request.POST)["weiter"] or request.GET.get("weiter") or default
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return default
    return target


def login(request: HttpRequest) -> HttpResponse:
    """Ask for a sign-in link: the address (and a nickname the first time). The answer never says whether
    the address belongs to a member."""
    workspace = _public_workspace()
    error, status, sent = "", 200, False
    form = {"email": "", "nickname": ""}
    if request.method == "POST":
        posted = read(LoginLinkForm, request.POST)
        form = {key: posted[key][:254] for key in form}
        try:
            actions.do_request_login_link(
                workspace, form["email"], form["nickname"], ip_address=_ip(request), next_path=_next(request)
            )
            sent = True
        except ResonanzError as problem:
            error, status = problem.message, problem.status_code
    return render(
        request,
        "web/community/login.html",
        {
            "workspace": workspace,
            "form": form,
            "error": error,
            "sent": sent,
            "next": _next(request),
            "language": "de",
            "member": signed_in_member(request),
        },
        status=status,
    )


def login_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners that open links do not use them up); POST signs in once."""
    workspace = _public_workspace()
    try:
        if request.method == "POST":
            member = actions.do_use_login_link(workspace, token)
            request.session.cycle_key()  # a new session id at sign-in (no fixation)
            request.session[SESSION_MEMBER] = member.pk
            return redirect(_next(request))
        member = actions.login_link_member(workspace, token)
    except ResonanzError as problem:
        return render(
            request,
            "web/community/login.html",
            {
                "workspace": workspace,
                "form": {},
                "error": problem.message,
                "language": "de",
                "next": "/community/",
            },
            status=problem.status_code,
        )
    return render(
        request,
        "web/community/login_confirm.html",
        {"workspace": workspace, "who": member, "next": _next(request), "language": "de"},
    )


@require_POST
def member_logout(request: HttpRequest) -> HttpResponse:
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        request.session.pop(SESSION_MEMBER, None)
        request.session.cycle_key()
    return redirect("web:community")


# --- moderation (agents) ---------------------------------------------------------------------------------


def _moderate(agent: Any, posted: dict[str, Any]) -> None:
    """A held answer approved or hidden, or a question approved, hidden, locked or its author banned; an id
    of nothing in the workspace is a missing page (404)."""
    action = posted["action"]
    if posted["answer"] is not None:
        held = actions.answer_queue(agent.workspace).filter(pk=posted["answer"]).first()
        if held is None:
            raise Http404("answer")
        if action not in ("approve_answer", "hide_answer"):
            raise InvalidInput(_("Unbekannte Aktion."))
        actions.do_moderate(agent, action, answer=held)
        return
    question = Question.objects.filter(workspace_id=agent.workspace_id, pk=posted["question"] or 0).first()
    if question is None:
        raise Http404("question")
    if action == "ban":
        actions.do_moderate(agent, "ban", member=question.author)
    else:
        actions.do_moderate(agent, action, question=question)


@requires("community.moderate")
def moderation(request: HttpRequest) -> HttpResponse:
    """The moderation queue and the latest questions, with hide, lock, approve and ban."""
    agent = _agent(request)
    error = ""
    status = 200
    if request.method == "POST":
        try:
            _moderate(agent, read(ModerationForm, request.POST))
            return redirect("web:community_moderation")
        except ResonanzError as problem:
            error, status = problem.message, problem.status_code
    return render(
        request,
        "web/community/moderation.html",
        {
            "agent": agent,
            "queue": actions.moderation_queue(agent.workspace).select_related("author")[:50],
            "held_answers": actions.answer_queue(agent.workspace).select_related("member", "question")[:50],
            "latest": Question.objects.filter(workspace_id=agent.workspace_id)
            .exclude(status=Question.Status.QUEUED)
            .select_related("author")
            .order_by("-created_at")[:30],
            "error": error,
        },
        status=status,
    )
