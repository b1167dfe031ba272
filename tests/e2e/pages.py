"""Page objects for the agent UI: tests say what an agent does, these know the markup."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Locator, Page, expect


@dataclass
class LoginPage:
    page: Page
    base_url: str

    def open(self) -> LoginPage:
        self.page.goto(f"{self.base_url}/login/")
        return self

    def log_in(self, username: str, password: str) -> InboxPage:
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(f"{self.base_url}/")
        return InboxPage(self.page, self.base_url)


@dataclass
class InboxPage:
    page: Page
    base_url: str

    def open(self, query: str = "") -> InboxPage:
        self.page.goto(f"{self.base_url}/{query}")
        return self

    def rows(self) -> Locator:
        return self.page.locator("table.conversations tbody tr[data-conversation]")

    def row_for(self, conversation_id: int) -> Locator:
        return self.page.locator(f'tr[data-conversation="{conversation_id}"]')

    def search(self, text: str) -> InboxPage:
        self.page.fill("#q", text)
        self.page.press("#q", "Enter")
        return self

    def open_conversation(self, conversation_id: int) -> ConversationPage:
        self.row_for(conversation_id).locator("a.subject").click()
        self.page.wait_for_url(f"{self.base_url}/conversations/{conversation_id}/")
        return ConversationPage(self.page, self.base_url, conversation_id)


@dataclass
class ConversationPage:
    page: Page
    base_url: str
    conversation_id: int

    def open(self) -> ConversationPage:
        self.page.goto(f"{self.base_url}/conversations/{self.conversation_id}/")
        return self

    def messages(self) -> Locator:
        return self.page.locator("#thread li.message")

    def reply(self, text: str) -> Locator:
        """Send a reply through the form (htmx) and return the new outbound message."""
        before = self.page.locator("#thread li.message.out").count()
        self.page.fill("#reply-text", text)
        self.page.click("form.reply button[type=submit]")
        outbound = self.page.locator("#thread li.message.out")
        expect(outbound).to_have_count(before + 1)
        return outbound.last

    def change_status(self, status: str) -> None:
        self.page.select_option("#status", status)
        self.page.click("form.status-form button[type=submit]")
        expect(self.page.locator(f'#details .current-status [data-status="{status}"]')).to_be_visible()

    def mark_page(self) -> None:
        """Leave a marker in the window; it survives htmx swaps but not a full page load."""
        self.page.evaluate("window.__resonanzMarker = 'still here'")

    def page_was_not_reloaded(self) -> bool:
        marker: Any = self.page.evaluate("window.__resonanzMarker")
        return bool(marker == "still here")


@dataclass
class DevPanelPage:
    page: Page
    base_url: str

    def open(self) -> DevPanelPage:
        self.page.goto(f"{self.base_url}/dev/")
        return self

    def inject(self, account_name: str, handle: str, text: str) -> None:
        self.page.select_option(
            "#dev-account",
            label=self.page.locator("#dev-account option", has_text=account_name).first.inner_text(),
        )
        self.page.fill("#dev-handle", handle)
        self.page.fill("#dev-text", text)
        self.page.click("form.dev-form button[type=submit]")
        expect(self.page.locator("p.success")).to_be_visible()
