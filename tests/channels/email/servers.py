"""Real mail servers on loopback for the tests: a private Dovecot (IMAP) and aiosmtpd (SMTP)."""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from imapclient import IMAPClient

DOVECOT: str | None = shutil.which("dovecot") or (
    "/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None
)
PASSWORD = "geheim-imap"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                if sock.recv(64).startswith(b"* OK"):
                    return
        except OSError:
            pass
        time.sleep(0.05)  # polling a port that is still starting: no event to wait on
    raise TimeoutError(f"nothing answers on 127.0.0.1:{port}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class Dovecot:
    """A private Dovecot instance: its own config, passwd-file and maildirs in a temp dir."""

    root: Path
    port: int
    uid: int
    gid: int
    users: list[str] = field(default_factory=list)

    @property
    def config_path(self) -> Path:
        return self.root / "dovecot.conf"

    @classmethod
    def start(cls) -> Dovecot:
        assert DOVECOT is not None
        root = Path(tempfile.mkdtemp(prefix="rz-dv-", dir="/tmp"))  # short: unix socket paths are capped
        port = free_port()
        if os.geteuid() == 0:
            # Dovecot refuses to run its login processes or mail as root: use the package's own users.
            internal, login = "dovecot", "dovenull"
            mail_user = pwd.getpwnam("dovecot")
        else:
            internal = login = pwd.getpwuid(os.geteuid()).pw_name
            mail_user = pwd.getpwuid(os.geteuid())
        root.chmod(0o755)  # the auth and mail processes run as other users
        (root / "mail").mkdir()
        (root / "run").mkdir()
        (root / "users").mkdir()
        os.chown(root / "mail", mail_user.pw_uid, mail_user.pw_gid)
        (root / "dovecot.conf").write_text(
            f"""
base_dir = {root}/run
state_dir = {root}/run/state
instance_name = rz-dv-{port}
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = {root}/dovecot.log
default_internal_user = {internal}
default_internal_group = {grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name}
default_login_user = {login}
first_valid_uid = {min(mail_user.pw_uid, 100) if mail_user.pw_uid else 1}
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/users/%Ln
}}
userdb {{
  driver = passwd-file
  args = {root}/users/%Ln
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""
        )
        server = cls(root=root, port=port, uid=mail_user.pw_uid, gid=mail_user.pw_gid)
        # Output to a file, not a pipe: the daemon keeps inherited pipes open and run() would wait forever.
        with (root / "start.log").open("w") as start_log:
            started = subprocess.run(
                [DOVECOT, "-c", str(server.config_path)],
                stdin=subprocess.DEVNULL,
                stdout=start_log,
                stderr=subprocess.STDOUT,
                timeout=30,
                check=False,
            )
        if started.returncode != 0:
            error = (root / "start.log").read_text().strip()
            shutil.rmtree(root, ignore_errors=True)
            raise RuntimeError(f"dovecot did not start: {error}")
        try:
            wait_for_port(port)
        except TimeoutError:
            log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
            server.stop()
            raise RuntimeError(f"dovecot did not start:\n{log}") from None
        return server

    def stop(self) -> None:
        """Stop this instance (its own master pid only) and remove its directory."""
        assert DOVECOT is not None
        pid_file = self.root / "run" / "master.pid"
        pid = int(pid_file.read_text().strip()) if pid_file.exists() else None
        subprocess.run(
            [DOVECOT, "-c", str(self.config_path), "stop"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
            timeout=30,
        )
        deadline = time.monotonic() + 15
        while pid is not None and _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)  # waiting for our own child to exit: there is no event to wait on
        if pid is not None and _alive(pid):
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.root, ignore_errors=True)

    def add_user(self) -> str:
        """A fresh mailbox per test: tests share one server but never a mailbox."""
        name = f"user{uuid.uuid4().hex[:10]}"
        home = self.root / "mail" / name
        # One passwd-file per user: Dovecot reads each when the user first logs in.
        (self.root / "users" / name).write_text(
            f"{name}:{{PLAIN}}{PASSWORD}:{self.uid}:{self.gid}::{home}::\n"
        )
        self.users.append(name)
        return name

    def connect(self, user: str) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=30)
        client.login(user, PASSWORD)
        return client

    def append(self, user: str, mails: list[bytes], folder: str = "INBOX") -> None:
        client = self.connect(user)
        try:
            for raw in mails:
                client.append(folder, raw)
        finally:
            client.logout()

    def write_maildir(self, user: str, mails: list[bytes]) -> None:
        """Deliver many mails fast: write them straight into the Maildir, as a local MDA does."""
        client = self.connect(user)  # the first login creates the Maildir
        client.select_folder("INBOX")
        client.logout()
        new = self.root / "mail" / user / "Maildir" / "new"
        for index, raw in enumerate(mails):
            path = new / f"{1_700_000_000 + index}.M{index}P1.rz-test"
            path.write_bytes(raw)
            os.chown(path, self.uid, self.gid)

    def account_config(self, user: str, **extra: Any) -> dict[str, Any]:
        return {
            "address": "support@netzwelt.example",
            "display_name": "Netzwelt Kundenservice",
            "imap_host": "127.0.0.1",
            "imap_port": self.port,
            "imap_security": "none",
            "imap_username": user,
            "timeout_seconds": 10,
            **extra,
        }


class RecordingHandler:
    """aiosmtpd handler that records what it accepts and answers what the test told it to."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.answers: list[str] = []  # consumed one per DATA; empty → "250 OK"
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.changed:
            if self.answers:
                answer = self.answers.pop(0)
                if not answer.startswith("250"):
                    return answer
            self.received.append(
                {
                    "mail_from": envelope.mail_from,
                    "rcpt_tos": list(envelope.rcpt_tos),
                    "data": envelope.content,
                }
            )
            self.changed.notify_all()
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self) -> None:
        self.handler = RecordingHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
