"""The subscribe endpoint mounted on the local preview server, driven over real HTTP."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from pathlib import Path

import httpx

from checker.alerting.mail import MailSettings
from checker.store import LocalStore
from checker.subscriber_settings import SubscribersSettings
from site_builder.serving.serve import start
from site_builder.subscribe import local_handler, records


def test_form_post_and_confirm_over_http(tmp_path: Path, make_bundle) -> None:
    site_dir = tmp_path / "public"
    site_dir.mkdir()
    (site_dir / "index.html").write_text("<h1>status</h1>")
    outbox = tmp_path / "outbox"
    settings = SubscribersSettings(
        token_secret="${SECRET}", endpoint_url="${BASE}", email=MailSettings(outbox=str(outbox))
    )
    store = LocalStore(tmp_path / "store")
    env = {"SECRET": "k" * 40, "BASE": ""}
    handler = local_handler(make_bundle(), store, settings=settings, env=env)
    server = start(site_dir, handlers=dict.fromkeys(("/subscribe", "/confirm", "/unsubscribe"), handler))
    env["BASE"] = server.url  # links in mails point at this server, as `statusgen serve` sets it
    try:
        with httpx.Client(base_url=server.url) as client:
            page = client.post("/subscribe", data={"email": "ada@example.com"})
            assert page.status_code == 202
            assert page.headers["content-type"] == "text/html; charset=utf-8"
            assert "Check your inbox" in page.text

            (eml,) = outbox.glob("*.eml")
            mail = message_from_bytes(eml.read_bytes(), policy=policy.default)
            text = mail.get_body(preferencelist=("plain",)).get_content()
            confirm = re.search(r"http://127\.0\.0\.1:\d+/confirm\?token=\S+", text)[0]
            assert client.get(confirm).status_code == 200
            (record,) = records.all_subscribers(store)
            assert record.status == "active"

            assert client.get("/index.html").text == "<h1>status</h1>"  # static files still served
    finally:
        server.close()
