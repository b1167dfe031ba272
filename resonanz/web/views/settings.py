"""The settings area for admins: channel accounts, agents, API tokens, the audit log; and the presence switch
every agent has in the header. Reads through access functions, writes through actions; every write is
audited by its action; every view states its permission with `requires` (resonanz/web/permissions.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.views import LoginView
from django.db.models import Count, Max, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from resonanz.channels.connection import test_connection
from resonanz.channels.forms import ChannelAccountForm
from resonanz.channels.models import ChannelAccount, InboundEvent
from resonanz.channels.registry import all_channels, get_channel
from resonanz.channels.settings_actions import (
    access_channel_account_by_id,
    do_add_channel_account,
    do_delete_channel_account,
    do_set_channel_enabled,
    do_update_channel_account,
    receives_webhooks,
    webhook_url,
)
from resonanz.core.errors import InvalidInput, NotFound, ResonanzError
from resonanz.core.models import AuditEntry
from resonanz.routing.actions import do_set_presence
from resonanz.routing.snapshots import open_counts
from resonanz.understanding.actions import do_ensure_default_topics
from resonanz.web.forms import (
    ActionForm,
    AgentForm,
    FirstRunForm,
    PasswordForm,
    PresenceForm,
    TokenForm,
    WorkspaceForm,
    as_strings,
    read,
)
from resonanz.web.permissions import requires
from resonanz.workspaces.actions import (
    audit,
    do_create_agent,
    do_create_api_token,
    do_revoke_api_token,
    do_set_user_password,
    do_update_agent,
)
from resonanz.workspaces.configuration import (
    FEDERAL_STATES,
    SIGNATURE_STYLES,
    WEEKDAYS,
    current_settings,
    do_update_workspace_settings,
    parse_hours,
)
from resonanz.workspaces.first_run import do_first_run
from resonanz.workspaces.invitations import agent_for_invitation, do_invite_agent
from resonanz.workspaces.models import Agent, ApiToken, Skill, Team
from resonanz.workspaces.permissions import has_perm

AUDIT_PAGE_SIZE = 100


def _agent(request: HttpRequest) -> Agent:
    agent = request.agent  # type: ignore[attr-defined]
    assert isinstance(agent, Agent)
    return agent


def _context(request: HttpRequest, section: str, **extra: Any) -> dict[str, Any]:
    return {"agent": _agent(request), "is_admin": True, "section": section, **extra}


def _or_404(error: NotFound) -> Http404:
    return Http404(error.message)


# --- Channel accounts: the form is generated from the channel's ChannelSpec (resonanz/channels/forms.py) -
@requires("settings.manage")
def channels(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    accounts = (
        ChannelAccount.objects.filter(workspace=agent.workspace_id)
        .annotate(
            last_event_at=Max("inbound_events__received_at"),
            backlog=Count("inbound_events", filter=Q(inbound_events__status=InboundEvent.Status.PENDING)),
        )
        .order_by("name")
    )
    kinds = [(spec.kind, spec.label) for spec in all_channels() if spec.offered]
    return render(
        request, "web/settings/channels.html", _context(request, "channels", accounts=accounts, kinds=kinds)
    )


@requires("settings.manage")
def channel_add(request: HttpRequest, kind: str) -> HttpResponse:
    agent = _agent(request)
    try:
        spec = get_channel(kind)
    except KeyError:
        raise Http404("no such channel kind") from None
    form = ChannelAccountForm(kind, request.POST if request.method == "POST" else None)
    error = ""
    if request.method == "POST":
        try:
            account = do_add_channel_account(
                agent.workspace, kind=kind, name=form.posted_name(), values=form.values(), actor=agent
            )
        except ResonanzError as problem:
            error = problem.message
            form.refuse(error)
        else:
            request.session["shown_once_secret"] = {"account": account.pk, "secret": account.secret}
            return redirect("web:settings_channel", account_id=account.pk)
    return render(
        request,
        "web/settings/channel_form.html",
        _context(request, "channels", kind=kind, kind_name=spec.label, form=form, error=error, account=None),
        status=400 if error else 200,
    )


@requires("settings.manage")
def channel_detail(request: HttpRequest, account_id: int) -> HttpResponse:
    agent = _agent(request)
    try:
        account = access_channel_account_by_id(agent, account_id)
    except NotFound as missing:
        raise _or_404(missing) from None
    spec = get_channel(account.kind)
    error = ""
    saved = False
    form = ChannelAccountForm(account.kind, account=account)
    if request.method == "POST":
        posted = ChannelAccountForm(account.kind, request.POST, account=account)
        try:
            do_update_channel_account(
                account, name=posted.posted_name(account.name), values=posted.values(), actor=agent
            )
            saved = True
            form = ChannelAccountForm(account.kind, account=account)
        except ResonanzError as problem:
            error = problem.message
            account.refresh_from_db()
            posted.refuse(error)
            form = posted
    shown = request.session.pop("shown_once_secret", None)
    secret = shown["secret"] if shown and shown.get("account") == account.pk else ""
    base = request.build_absolute_uri("/")
    return render(
        request,
        "web/settings/channel_form.html",
        _context(
            request,
            "channels",
            account=account,
            kind=account.kind,
            kind_name=spec.label,
            form=form,
            error=error,
            saved=saved,
            webhook_url=webhook_url(account, base),
            is_push=receives_webhooks(account.kind),
            secret=secret,
            snippet=spec.setup_snippet(account, base) if spec.setup_snippet else "",
            test_result=request.session.pop("channel_test", None),
        ),
        status=400 if error else 200,
    )


@requires("settings.manage")
@require_POST
def channel_action(request: HttpRequest, account_id: int) -> HttpResponse:
    agent = _agent(request)
    try:
        account = access_channel_account_by_id(agent, account_id)
    except NotFound as missing:
        raise _or_404(missing) from None
    action = read(ActionForm, request.POST)["action"]
    if action == "test":
        result = test_connection(account)
        request.session["channel_test"] = {"ok": result.ok, "message": result.message}
    elif action in ("disable", "enable"):
        do_set_channel_enabled(account, enabled=action == "enable", actor=agent)
    elif action == "regenerate_secret":
        import secrets

        new_secret = secrets.token_urlsafe(32)
        do_update_channel_account(account, name=None, values={"secret": new_secret}, actor=agent)
        request.session["shown_once_secret"] = {"account": account.pk, "secret": new_secret}
    elif action == "delete":
        try:
            do_delete_channel_account(account, actor=agent)
        except ResonanzError as problem:
            request.session["channel_test"] = {"ok": False, "message": problem.message}
            return redirect("web:settings_channel", account_id=account.pk)
        return redirect("web:settings_channels")
    else:
        return HttpResponse(_("Unbekannte Aktion."), status=400)
    return redirect("web:settings_channel", account_id=account.pk)


# --- Agents ---------------------------------------------------------------------------------------------
def _groups(posted: dict[str, Any], agent: Agent) -> tuple[list[Team], list[Skill]]:
    teams = list(Team.objects.filter(workspace=agent.workspace_id, pk__in=posted["teams"]))
    skills = list(Skill.objects.filter(workspace=agent.workspace_id, pk__in=posted["skills"]))
    return teams, skills


def _languages(text: str) -> list[str]:
    return [part for part in text.replace(",", " ").split() if part]


def _agent_choices(agent: Agent) -> dict[str, Any]:
    return {
        "roles": Agent.Role.choices,
        "presences": Agent.Presence.choices,
        "all_teams": Team.objects.filter(workspace=agent.workspace_id).order_by("name"),
        "all_skills": Skill.objects.filter(workspace=agent.workspace_id).order_by("name"),
    }


@requires("settings.manage")
def agents(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    error = ""
    form: dict[str, str] = {}
    if request.method == "POST":
        posted = read(AgentForm, request.POST)
        form = as_strings(posted)
        teams, skills = _groups(posted, agent)
        role = Agent.Role.AGENT if posted["role"] is None else posted["role"]
        languages = _languages("de" if posted["languages"] is None else posted["languages"]) or ["de"]
        try:
            if posted["invite"]:
                invited = do_invite_agent(
                    agent,
                    username=posted["username"].strip(),
                    display_name=(posted["display_name"] or "").strip(),
                    email=posted["email"].strip(),
                    role=role,
                    base_url=settings.PUBLIC_URL or request.build_absolute_uri("/"),
                    teams=teams,
                    skills=skills,
                    languages=languages,
                    capacity=int(posted["capacity"] or 20),
                )
                return redirect("web:settings_agent", agent_id=invited.pk)
            created = do_create_agent(
                agent.workspace,
                username=posted["username"].strip(),
                password=posted["password"],
                display_name=(posted["display_name"] or "").strip() or posted["username"].strip(),
                email=posted["email"].strip(),
                role=role,
                teams=teams,
                skills=skills,
                languages=languages,
                capacity=int(posted["capacity"] or 20),
                actor=agent,
            )
        except (ResonanzError, ValueError) as problem:
            error = (
                problem.message if isinstance(problem, ResonanzError) else _("Kapazität: bitte eine Zahl.")
            )
        else:
            return redirect("web:settings_agent", agent_id=created.pk)
    listed = (
        Agent.objects.filter(workspace=agent.workspace_id)
        .select_related("user")
        .prefetch_related("teams", "skills")
        .order_by("display_name")
    )
    return render(
        request,
        "web/settings/agents.html",
        _context(request, "agents", agents=listed, error=error, form=form, **_agent_choices(agent)),
        status=400 if error else 200,
    )


@requires("settings.manage")
def agent_detail(request: HttpRequest, agent_id: int) -> HttpResponse:
    agent = _agent(request)
    other = Agent.objects.select_related("user").filter(pk=agent_id, workspace=agent.workspace_id).first()
    if other is None:
        raise Http404("agent not found")
    error = ""
    saved = False
    if request.method == "POST":
        posted = read(AgentForm, request.POST)
        teams, skills = _groups(posted, agent)
        try:
            capacity = int(posted["capacity"] or other.capacity)
            do_update_agent(
                other,
                actor=agent,
                display_name=posted["display_name"],
                role=posted["role"],
                teams=teams,
                skills=skills,
                languages=_languages(posted["languages"] or ""),
                capacity=capacity,
                presence=posted["presence"],
                active=posted["active"] == "on",
            )
            if posted["presence"]:
                do_set_presence(other, posted["presence"])  # online: waiting conversations find them
            if posted["password"]:
                do_set_user_password(other, posted["password"], actor=agent)
            saved = True
        except (ResonanzError, ValueError) as problem:
            error = (
                problem.message if isinstance(problem, ResonanzError) else _("Kapazität: bitte eine Zahl.")
            )
        other.refresh_from_db()
        other.user.refresh_from_db()
    return render(
        request,
        "web/settings/agent_form.html",
        _context(
            request,
            "agents",
            other=other,
            other_teams={t.pk for t in other.teams.all()},
            other_skills={s.pk for s in other.skills.all()},
            error=error,
            saved=saved,
            **_agent_choices(agent),
        ),
        status=400 if error else 200,
    )


# --- API tokens -----------------------------------------------------------------------------------------
@requires("tokens.manage")
def tokens(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    error = ""
    created_key = ""
    posted: dict[str, Any] = {}
    if request.method == "POST":
        posted = read(TokenForm, request.POST)
        holder = (
            Agent.objects.select_related("user")
            .filter(pk=posted["agent_id"], workspace=agent.workspace_id)
            .first()
        )
        channel = None
        channel_id = posted["channel"]
        if channel_id.isdigit():
            channel = ChannelAccount.objects.filter(pk=int(channel_id), workspace=agent.workspace_id).first()
        expires = posted["expires"]
        try:
            if holder is None:
                raise InvalidInput(_("Bitte eine Servicekraft oder Integration wählen."))
            if channel_id and channel is None:
                raise InvalidInput(_("Kanalkonto nicht gefunden."))
            _token, created_key = do_create_api_token(
                holder,
                posted["name"],
                scope=posted["scope"],
                channel_account=channel,
                expires_days=int(expires) if expires.strip() else None,
                actor=agent,
            )
        except (ResonanzError, ValueError) as problem:
            error = (
                problem.message
                if isinstance(problem, ResonanzError)
                else _("Ablauf: bitte eine Zahl von Tagen.")
            )
    listed = (
        ApiToken.objects.filter(agent__workspace=agent.workspace_id).select_related("agent").order_by("-pk")
    )
    return render(
        request,
        "web/settings/tokens.html",
        _context(
            request,
            "tokens",
            tokens=listed,
            created_key=created_key,
            error=error,
            scopes=ApiToken.Scope.choices,
            holders=Agent.objects.filter(workspace=agent.workspace_id, user__is_active=True).order_by(
                "display_name"
            ),
            accounts=ChannelAccount.objects.filter(workspace=agent.workspace_id).order_by("name"),
            form=as_strings(posted) if error else {},
        ),
        status=400 if error else 200,
    )


@requires("tokens.manage")
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    agent = _agent(request)
    token = (
        ApiToken.objects.select_related("agent")
        .filter(pk=token_id, agent__workspace=agent.workspace_id)
        .first()
    )
    if token is None:
        raise Http404("token not found")
    do_revoke_api_token(token, actor=agent)
    return redirect("web:settings_tokens")


# --- Audit log ------------------------------------------------------------------------------------------
@requires("audit.view")
def audit_log(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    entries = AuditEntry.objects.filter(workspace_id=agent.workspace_id).order_by("-created_at", "-pk")
    action = request.GET.get("action", "").strip()
    if action:
        entries = entries.filter(action__startswith=action)
    actions = sorted(
        set(
            AuditEntry.objects.filter(workspace_id=agent.workspace_id)
            .values_list("action", flat=True)
            .distinct()
        )
    )
    page = list(entries[:AUDIT_PAGE_SIZE])
    actors = {
        a.pk: a.display_name
        for a in Agent.objects.filter(
            pk__in={e.actor_id for e in page if e.actor_id}, workspace=agent.workspace_id
        )
    }
    rows = [{"entry": e, "actor": actors.get(e.actor_id or 0, "")} for e in page]
    return render(
        request,
        "web/settings/audit.html",
        _context(request, "audit", rows=rows, actions=actions, action=action),
    )


# --- The workspace: company, languages, business hours, persona, private terms, thresholds --------------
def _workspace_form(request: HttpRequest) -> dict[str, Any]:
    post = read(WorkspaceForm, request.POST, weekdays=WEEKDAYS)
    return {
        "name": post["name"],
        "languages": _languages(post["languages"]),
        "federal_state": post["federal_state"],
        "time_zone": post["time_zone"],
        "business_hours": {day: parse_hours(post[f"hours_{day}"], day) for day in WEEKDAYS},
        "closed_days": post["closed_days"].replace(",", "\n").splitlines(),
        "signature_style": post["signature_style"],
        "private_terms": post["private_terms"].splitlines(),
        "response_rate_threshold": (post["response_rate_threshold"] or "80").replace(",", "."),
        "response_target_minutes": post["response_target_minutes"],
        "response_rate_min_posts": post["response_rate_min_posts"],
    }


@requires("settings.manage")
def workspace_settings(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    error = ""
    saved = False
    if request.method == "POST":
        try:
            changes = _workspace_form(request)
            changes["response_rate_threshold"] = float(changes["response_rate_threshold"]) / 100
            do_update_workspace_settings(agent.workspace, actor=agent, **changes)
            saved = True
        except ResonanzError as problem:
            error = problem.message
        except ValueError:
            error = _("Antwortquote: bitte eine Zahl in Prozent.")
        agent.workspace.refresh_from_db()
    current = current_settings(agent.workspace)
    hours = {
        day: ", ".join(f"{start}-{end}" for start, end in current.business_hours.get(day, []))
        for day in WEEKDAYS
    }
    return render(
        request,
        "web/settings/workspace.html",
        _context(
            request,
            "workspace",
            current=current,
            hours=hours,
            weekdays=WEEKDAYS,
            federal_states=FEDERAL_STATES,
            styles=SIGNATURE_STYLES,
            threshold_percent=round(current.response_rate_threshold * 100),
            error=error,
            saved=saved,
            first_run=request.GET.get("first") == "1",
        ),
        status=400 if error else 200,
    )


def login_or_first_run(request: HttpRequest) -> HttpResponseBase:
    """The login page; on a fresh install (no agent yet) the first visit goes to the setup instead."""
    if not Agent.objects.exists():
        return redirect("web:first_run")
    return LoginView.as_view(template_name="web/login.html")(request)


# --- First run: the first visit to a fresh install creates the workspace and its admin ---------------------
def first_run(request: HttpRequest) -> HttpResponse:
    """Only while no agent exists at all; afterwards 404 (idempotent: it never runs twice)."""
    if Agent.objects.exists():
        raise Http404("this installation is set up")
    error = ""
    form = {"company": "", "username": ""}
    if request.method == "POST":
        posted = read(FirstRunForm, request.POST)
        form = {"company": posted["company"], "username": posted["username"]}
        password = posted["password"]
        try:
            if password != posted["password_again"]:
                raise InvalidInput(_("Die beiden Passwörter sind verschieden."))
            admin = do_first_run(form["company"], form["username"], password)
        except ResonanzError as problem:
            error = problem.message
        else:
            do_ensure_default_topics(admin.workspace)
            login(request, admin.user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(reverse("web:settings_workspace") + "?first=1")
    return render(
        request, "web/settings/first_run.html", {"form": form, "error": error}, status=400 if error else 200
    )


@requires("settings.manage")
def settings_home(request: HttpRequest) -> HttpResponse:
    return redirect(reverse("web:settings_channels"))


# --- Accepting an invitation (no login yet) ------------------------------------------------------------
def accept_invitation(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    invited = agent_for_invitation(uidb64, token)
    if invited is None:
        return render(
            request,
            "web/settings/invitation.html",
            {"invalid": True},
            status=404,
        )
    error = ""
    if request.method == "POST":
        posted = read(PasswordForm, request.POST)
        password = posted["password"]
        if password != posted["password_again"]:
            error = _("Die beiden Passwörter sind verschieden.")
        else:
            try:
                do_set_user_password(invited, password, actor=invited)
            except ResonanzError as problem:
                error = problem.message
            else:
                login(request, invited.user, backend="django.contrib.auth.backends.ModelBackend")
                return redirect("web:inbox")
    return render(
        request,
        "web/settings/invitation.html",
        {"invited": invited, "error": error},
        status=400 if error else 200,
    )


# --- Team presence: leads switch their colleagues ------------------------------------------------------
@requires("presence.update_others")
def team_presence(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    if request.method == "POST":
        posted = read(PresenceForm, request.POST)
        other = Agent.objects.filter(
            pk=posted["agent"],
            workspace=agent.workspace_id,
            user__is_active=True,
        ).first()
        if other is None:
            raise Http404("agent not found")
        try:
            do_set_presence(other, posted["presence"])
        except ResonanzError as problem:
            return HttpResponse(problem.message, status=400)
        audit(
            agent.workspace_id, agent, "agent.presence_set", "agent", other.pk, {"presence": other.presence}
        )
        return redirect("web:team_presence")
    listed = (
        Agent.objects.filter(workspace=agent.workspace_id, user__is_active=True, capacity__gt=0)
        .prefetch_related("teams")
        .order_by("display_name")
    )
    return render(
        request,
        "web/settings/team_presence.html",
        {
            "agent": agent,
            "is_admin": has_perm(agent, "settings.manage"),
            "agents": listed,
            "presences": Agent.Presence.choices,
            "open_counts": open_counts(agent.workspace_id),  # the load: open conversations each one owns
        },
    )


# --- Presence (every agent, in the header) --------------------------------------------------------------
@requires("presence.update")
@require_POST
def presence(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    posted = read(PresenceForm, request.POST)
    try:
        do_set_presence(agent, posted["presence"])
    except ResonanzError as problem:
        return HttpResponse(problem.message, status=400)
    target = posted["next"]
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("web:inbox")
    return redirect(target)
