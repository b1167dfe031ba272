"""Page objects for the settings area (resonanz/web/templates/settings/)."""

from __future__ import annotations

from dataclasses import dataclass

from playwright.sync_api import Page, expect


@dataclass
class SettingsPage:
    page: Page
    base_url: str

    def open_from_header(self) -> SettingsPage:
        self.page.click("nav.mainnav >> text=Einstellungen")
        self.page.wait_for_url(f"{self.base_url}/settings/channels/")
        return self

    def go(self, section: str) -> SettingsPage:
        self.page.click(f"nav.settings-nav >> text={section}")
        return self

    def add_channel(self, kind_label: str, name: str, fields: dict[str, str]) -> int:
        """Fill the form generated from the channel kind's configuration; returns the new account's id."""
        self.go("Kanalkonten")
        self.page.click(f".add-kinds >> text={kind_label}")
        self.page.fill("#f-name", name)
        for key, value in fields.items():
            selector = f"#f-{key}"
            if self.page.locator(selector).evaluate("e => e.tagName") == "SELECT":
                self.page.select_option(selector, value)
            else:
                self.page.fill(selector, value)
        self.page.click("form.settings-form button[type=submit]")
        self.page.wait_for_url(f"{self.base_url}/settings/channels/*/")
        return int(self.page.url.rstrip("/").rsplit("/", 1)[1])

    def test_connection(self) -> str:
        self.page.click("button[value=test]")
        result = self.page.locator("#test-result")
        expect(result).to_be_visible()
        return result.inner_text()

    def invite(self, username: str, display_name: str, email: str) -> None:
        self.go("Servicekräfte")
        self.page.fill("#f-username", username)
        self.page.fill("#f-display", display_name)
        self.page.fill("#f-email", email)
        self.page.click("button[name=invite]")
        self.page.wait_for_url(f"{self.base_url}/settings/agents/*/")

    def give_skill(self, display_name: str, skill: str) -> None:
        self.go("Servicekräfte")
        self.page.click(f".settings-table >> text={display_name}")
        self.page.check(f"label.check:has-text('{skill}') input")
        self.page.click("form.settings-form button[type=submit]")
        expect(self.page.locator("p.success")).to_be_visible()

    def create_token(self, name: str, holder: str, scope: str) -> str:
        self.go("API-Tokens")
        self.page.fill("#t-name", name)
        self.page.select_option("#t-agent", label=holder)
        self.page.select_option("#t-scope", scope)
        self.page.click("form.settings-form button[type=submit]")
        key = self.page.locator("#new-token")
        expect(key).to_be_visible()
        return key.input_value()
