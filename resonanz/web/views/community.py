"""The public community forum (server-rendered, no login): questions, answers ranked with official and
trusted ones first, asking under a nickname with matching answers shown while typing (deflection, measured).
Lists and threads are cached briefly for anonymous visitors."""

from __future__ import annotations

import uuid

from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import cache_page
from django.views.decorators.http import require_POST

from resonanz.community import actions
from resonanz.community.models import Question
from resonanz.core.errors import ResonanzError
from resonanz.knowledge import suggest
from resonanz.knowledge.models import Article
from resonanz.web.permissions import requires
from resonanz.web.views.common import current_agent as _agent
from resonanz.web.views.knowledge import _public_workspace

VISIBLE = (Question.Status.OPEN, Question.Status.ANSWERED)


@cache_page(30)
def question_list(request: HttpRequest) -> HttpResponse:
    workspace = _public_workspace()
    questions = (
        Question.objects.filter(workspace=workspace, status__in=VISIBLE)
        .select_related("author")
        .annotate(answer_count=Count("answers"))
        .order_by("-created_at")[:50]
    )
    return render(
        request, "web/community/list.html", {"workspace": workspace, "questions": questions, "language": "de"}
    )


def question_detail(request: HttpRequest, question_id: int) -> HttpResponse:
    workspace = _public_workspace()
    question = Question.objects.filter(workspace=workspace, pk=question_id, status__in=VISIBLE).first()
    if question is None:
        raise Http404("question")
    return render(
        request,
        "web/community/question.html",
        {
            "workspace": workspace,
            "question": question,
            "answers": actions.ranked_answers(question),
            "language": "de",
            "error": request.GET.get("fehler", "")[:200],
        },
    )


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def ask(request: HttpRequest) -> HttpResponse:
    workspace = _public_workspace()
    visit = request.POST.get("visit") or uuid.uuid4().hex
    form = {"nickname": "", "email": "", "title": "", "body": "", "category": ""}
    error = ""
    status = 200
    if request.method == "POST":
        form = {key: request.POST.get(key, "") for key in form}
        try:
            member = actions.do_join(workspace, form["nickname"], email=form["email"])
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
        {"workspace": workspace, "form": form, "error": error, "visit": visit, "language": "de"},
        status=status,
    )


def matches(request: HttpRequest) -> HttpResponse:
    """While the visitor types: public articles and accepted community answers like the question."""
    workspace = _public_workspace()
    text = f"{request.GET.get('title', '')}\n{request.GET.get('body', '')}".strip()[:1000]
    visit = request.GET.get("visit", "")
    found = []
    if len(text) >= 8:
        public = set(
            Article.objects.filter(
                workspace=workspace, visibility=Article.Visibility.PUBLIC, status=Article.Status.PUBLISHED
            ).values_list("pk", flat=True)
        )
        found = [
            s
            for s in suggest.suggest(workspace.pk, text, limit=10)
            if (s.kind == "article" and s.source_id in public) or s.kind == "community_answer"
        ][:3]
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


@require_POST
def answer(request: HttpRequest, question_id: int) -> HttpResponse:
    workspace = _public_workspace()
    question = Question.objects.filter(workspace=workspace, pk=question_id, status__in=VISIBLE).first()
    if question is None:
        raise Http404("question")
    try:
        member = actions.do_join(workspace, request.POST.get("nickname", ""))
        actions.do_answer(member, question, request.POST.get("body", ""))
    except ResonanzError as problem:
        response = render(
            request,
            "web/community/question.html",
            {
                "workspace": workspace,
                "question": question,
                "answers": actions.ranked_answers(question),
                "language": "de",
                "error": problem.message,
            },
            status=problem.status_code,
        )
        return response
    return redirect("web:community_question", question_id=question.pk)


# --- moderation (agents) ---------------------------------------------------------------------------------


@requires("community.moderate")
def moderation(request: HttpRequest) -> HttpResponse:
    """The moderation queue and the latest questions, with hide, lock, approve and ban."""
    agent = _agent(request)
    error = ""
    status = 200
    if request.method == "POST":
        question = Question.objects.filter(
            workspace_id=agent.workspace_id, pk=request.POST.get("question") or 0
        ).first()
        if question is None:
            raise Http404("question")
        action = request.POST.get("action", "")
        try:
            if action == "ban":
                actions.do_moderate(agent, "ban", member=question.author)
            else:
                actions.do_moderate(agent, action, question=question)
            return redirect("web:community_moderation")
        except ResonanzError as problem:
            error, status = problem.message, problem.status_code
    return render(
        request,
        "web/community/moderation.html",
        {
            "agent": agent,
            "queue": actions.moderation_queue(agent.workspace).select_related("author")[:50],
            "latest": Question.objects.filter(workspace_id=agent.workspace_id)
            .exclude(status=Question.Status.QUEUED)
            .select_related("author")
            .order_by("-created_at")[:30],
            "error": error,
        },
        status=status,
    )
