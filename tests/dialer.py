"""A handset for tests: `dial().press("1").press("2")`, each press one gateway callback."""

from __future__ import annotations

from ussd_app.menus.render import SCREEN_LIMIT
from ussd_app.text.gsm import is_gsm


class Dialer:
    def __init__(self, client, phone: str, service_code: str, session_id: str, token: str | None = None):
        self.client = client
        self.phone = phone
        self.service_code = service_code
        self.session_id = session_id
        self.token = token
        self.text = ""
        self.answer = self._call(self.text)

    def _call(self, text: str) -> str:
        url = "/ussd" + (f"?token={self.token}" if self.token else "")
        response = self.client.post(url, data={
            "sessionId": self.session_id, "serviceCode": self.service_code,
            "phoneNumber": self.phone, "networkCode": "61002", "text": text,
        })
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.content_type == "text/plain; charset=utf-8"
        body = response.get_data(as_text=True)
        assert body.startswith(("CON ", "END ")), body
        assert len(body) <= SCREEN_LIMIT, (len(body), body)
        assert is_gsm(body), body
        return body

    def press(self, *keys: str) -> "Dialer":
        for key in keys:
            assert not self.ended, f"session already ended: {self.answer}"
            self.text = key if self.text == "" else f"{self.text}*{key}"
            self.answer = self._call(self.text)
        return self

    def resend(self) -> str:
        """The gateway sends the last hop again."""
        return self._call(self.text)

    @property
    def ended(self) -> bool:
        return self.answer.startswith("END ")

    @property
    def screen(self) -> str:
        return self.answer[4:]

    def sees(self, *fragments: str) -> "Dialer":
        for fragment in fragments:
            assert fragment in self.screen, f"{fragment!r} not on screen:\n{self.screen}"
        return self
