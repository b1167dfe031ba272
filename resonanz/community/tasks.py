"""Community tasks: due questions go to staff, staff replies come back as official answers."""

from __future__ import annotations

from resonanz.core.queue import task
from resonanz.core.scheduler import periodic


@periodic("community.route_due_questions", every_seconds=60)
def route_due_questions() -> None:
    from resonanz.community.actions import do_publish_staff_replies, do_route_due_questions
    from resonanz.workspaces.models import Workspace

    for workspace in Workspace.objects.all():
        do_route_due_questions(workspace)
    do_publish_staff_replies()


@task("community.notify_asker", time_limit_seconds=60)
def notify_asker(answer_id: int) -> None:
    from resonanz.community.actions import notify_asker as send

    send(answer_id)


@task("community.send_login_link", time_limit_seconds=60)
def send_login_link(link_id: int) -> None:
    from resonanz.community.actions import send_login_link as send

    send(link_id)


@task("community.notify_accepted", time_limit_seconds=60)
def notify_accepted(answer_id: int) -> None:
    from resonanz.community.actions import notify_accepted as send

    send(answer_id)
