"""Rendering a mail with the town's branding, and sending it over SMTP or into ``.eml`` files."""

from __future__ import annotations

import os
import re
import smtplib
import ssl
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from pathlib import Path
from typing import Any

from flask import current_app
from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    DictLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
)
from jinja2.sandbox import SandboxedEnvironment

from amtsweg.tenancy.assets import logo_png
from amtsweg.tenancy.links import external_url
from amtsweg.tenancy.models import TenantInfo
from amtsweg.text import with_dative_article

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
TEXT_AS_HTML = "mail/_text.html"
_LINK = re.compile(r"(https?://[^\s<>\"]+)")


class MailTemplateMissing(LookupError):
    """No ``mail/<template>.<locale>.txt`` (nor its German original) exists."""


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str | None
    # Images the HTML shows by ``cid:<content id>``, sent along in the mail: content id → PNG.
    images: Mapping[str, bytes] = field(default_factory=dict)


def logo_content_id(tenant: TenantInfo) -> str:
    """The Content-ID the town's logo has inside its mails."""
    return f"logo-{tenant.slug}@amtsweg"


def _environment(tenant_slug: str, sources: Mapping[str, str] | None = None) -> Environment:
    # The town's own folder first, so a town can reword a mail without touching the platform.
    town_templates = Path(current_app.config["TENANTS_DIR"]) / tenant_slug / "templates"
    loaders: list[BaseLoader] = [FileSystemLoader(str(town_templates)), FileSystemLoader(str(TEMPLATE_DIR))]
    if sources:
        # Templates that came with the mail (a process version's) come first and, being data
        # rather than platform code, are rendered in the sandbox.
        loaders.insert(0, DictLoader({f"mail/{name}": source for name, source in sources.items()}))
    env = (SandboxedEnvironment if sources else Environment)(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        autoescape=lambda name: bool(name and name.endswith(".html")),
        keep_trailing_newline=True,
    )
    env.filters["dative"] = with_dative_article
    return env


def _template_name(env: Environment, template: str, locale: str, suffix: str) -> str | None:
    for candidate in (locale, "de"):
        name = f"mail/{template}.{candidate}.{suffix}"
        try:
            env.get_template(name)
            return name
        except TemplateNotFound:
            continue
    return None


def check_template(template: str, locale: str, tenant_slug: str, sources: Mapping[str, str] | None = None) -> None:
    """Fail at queueing time, not hours later in a worker, when a template does not exist."""
    if _template_name(_environment(tenant_slug, sources), template, locale, "txt") is None:
        raise MailTemplateMissing(f"mail template '{template}' ({locale}) does not exist")


def town_context(tenant: TenantInfo) -> dict[str, Any]:
    """What every mail template may use about the town: names, contact, sender, branding, address."""
    return {
        "town": {
            "name": tenant.name,
            "official_name": tenant.official_name,
            "contact": tenant.contact,
            "sender": tenant.settings.get("mail", {}),
            "branding": tenant.branding,
        },
        "town_url": external_url(tenant, "portal.index"),
        # A PNG sent inside the mail (many mail clients show no SVG and load no remote images);
        # empty when the town has no logo.
        "town_logo_url": f"cid:{logo_content_id(tenant)}" if logo_png(tenant) else "",
    }


def render(
    tenant: TenantInfo, template: str, context: dict[str, Any], locale: str,
    sources: Mapping[str, str] | None = None,
) -> RenderedMail:
    """The mail ``template`` in ``locale`` (German when missing) with subject, text and optional HTML."""
    env = _environment(tenant.slug, sources)
    text_name = _template_name(env, template, locale, "txt")
    if text_name is None:
        raise MailTemplateMissing(f"mail template '{template}' ({locale}) does not exist")
    variables = {**context, **town_context(tenant)}
    subject, _, body = env.get_template(text_name).render(variables).partition("\n")
    subject, body = subject.strip(), body.lstrip("\n")
    html_name = _template_name(env, template, locale, "html")
    if html_name:
        html = env.get_template(html_name).render(variables, subject=subject)
    else:
        # A mail written only as text (e.g. a process's own mails) gets the town's HTML layout too.
        text, _, signature = body.partition("\n--\n")
        html = env.get_template(TEXT_AS_HTML).render(variables, subject=subject, lang=text_name.split(".")[-2],
                                                    paragraphs=paragraphs(text), footer=signature.strip())
    logo = logo_png(tenant)
    content_id = logo_content_id(tenant)
    images = {content_id: logo} if logo and f"cid:{content_id}" in html else {}
    return RenderedMail(subject, body, html, images)


def paragraphs(text: str) -> list[list[list[tuple[str, bool]]]]:
    """A text as paragraphs of lines of (text, is a link) pieces, for the HTML layout."""
    return [
        [[(piece, bool(_LINK.fullmatch(piece))) for piece in _LINK.split(line) if piece] for line in block.splitlines()]
        for block in re.split(r"\n\s*\n", text.strip())
        if block.strip()
    ]


def message_id_for(tenant: TenantInfo, outbox_id: int) -> str:
    """Deterministic from the outbox row: a mail sent twice after a crash has the same Message-ID."""
    sender = tenant.settings.get("mail", {}).get("sender_address", f"noreply@{tenant.slug}.invalid")
    domain = sender.rpartition("@")[2]
    return f"<outbox-{tenant.slug}-{outbox_id}@{domain}>"


def build_message(tenant: TenantInfo, to: str, rendered: RenderedMail, message_id: str, locale: str) -> EmailMessage:
    """The e-mail to send: the town's sender, the recipient, the rendered parts and a stable Message-ID."""
    sender = tenant.settings.get("mail", {})
    message = EmailMessage()
    message["From"] = formataddr((sender.get("sender_name", tenant.official_name), sender["sender_address"]))
    message["To"] = to
    message["Subject"] = rendered.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id
    # Automatic mail: no out-of-office replies to the town's no-reply address.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(rendered.text)
    if rendered.html:
        html = EmailMessage()
        html.set_content(rendered.html, subtype="html")
        del html["MIME-Version"]  # a header of the whole mail only
        for content_id, png in rendered.images.items():
            html.add_related(png, "image", "png", cid=f"<{content_id}>", filename="logo.png", disposition="inline")
        message.make_alternative()
        message.attach(html)
    # After the body: set_content() drops every Content-* header.
    message["Content-Language"] = locale
    return message


def send(message: EmailMessage) -> None:
    """Send over the configured SMTP server, or write an ``.eml`` file when none is configured."""
    config = current_app.config
    if not config["MAIL_SMTP_HOST"]:
        _write_eml(message, Path(config["MAIL_DIR"] or Path(config["INSTANCE_DIR"]) / "mail"))
        return
    host, port, timeout = config["MAIL_SMTP_HOST"], int(config["MAIL_SMTP_PORT"]), float(config["MAIL_SMTP_TIMEOUT"])
    security = config["MAIL_SMTP_SECURITY"]
    if security not in ("starttls", "tls", "none"):
        raise ValueError(f"MAIL_SMTP_SECURITY must be starttls, tls or none, not '{security}'")
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if security == "tls":
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if security == "starttls":
            smtp.starttls(context=context)
        if config["MAIL_SMTP_USER"]:
            smtp.login(config["MAIL_SMTP_USER"], config["MAIL_SMTP_PASSWORD"])
        smtp.send_message(message)


def _write_eml(message: EmailMessage, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    name = message["Message-ID"].strip("<>").replace("@", "_at_").replace("/", "_") + ".eml"
    # Atomic: a reader never sees half a mail, and a repeated send replaces the same file.
    handle, temp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(handle, "wb") as stream:
        stream.write(message.as_bytes())
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temp, folder / name)
