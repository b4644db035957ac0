"""``flask saml keys|metadata``: the service provider keys and metadata of the towns that use SAML."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from amtsweg.auth.saml import SamlUnavailable, protocol
from amtsweg.auth.saml.keys import create_missing_keys, key_folder
from amtsweg.auth.saml.site import sp_identity
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from amtsweg.tenancy.models import Tenant, TenantInfo


@click.group(cls=AppGroup)
def saml() -> None:
    """SAML citizen login (BundID, Mein Unternehmenskonto)."""


def _saml_towns(slugs: tuple[str, ...]) -> list[TenantInfo]:
    towns = [town.info() for town in db.session.scalars(select(Tenant).where(Tenant.active.is_(True))
                                                           .order_by(Tenant.slug))]
    chosen = [town for town in towns if (town.settings.get("citizen_login") or {}).get("provider") == "saml"
              and (not slugs or town.slug in slugs)]
    unknown = set(slugs) - {town.slug for town in chosen}
    if unknown:
        raise click.ClickException(f"not an active town using SAML: {', '.join(sorted(unknown))}")
    return chosen


@saml.command("keys")
@click.argument("slugs", nargs=-1)
def keys_command(slugs: tuple[str, ...]) -> None:
    """Create missing signing and encryption keys (self-signed) of the SAML towns, or of SLUGS."""
    for town in _saml_towns(slugs):
        created = create_missing_keys(key_folder(town.slug), town.official_name)
        report = "created " + ", ".join(path.name for path in created) if created else "keys present"
        click.echo(f"{town.slug}: {report}")


@saml.command("metadata")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for <slug>.xml (created if missing).")
@click.option("--port", type=int, help="Port of the town hosts (development); none in production.")
@click.argument("slugs", nargs=-1)
def metadata_command(out: Path, port: int | None, slugs: tuple[str, ...]) -> None:
    """Write the service provider metadata of the SAML towns (or SLUGS), to register with the IdPs."""
    config = current_app.config
    scheme = config.get("PREFERRED_URL_SCHEME") or "http"
    out.mkdir(parents=True, exist_ok=True)
    for town in _saml_towns(slugs):
        base_url = f"{scheme}://{town.slug}.{config['BASE_DOMAIN']}{f':{port}' if port else ''}/"
        with current_app.test_request_context("/", base_url=base_url), tenant_context(town):
            try:
                xml = protocol.sp_metadata(sp_identity())
            except SamlUnavailable as exc:
                raise click.ClickException(f"{town.slug}: {exc} (create them with `flask saml keys`)") from exc
        (out / f"{town.slug}.xml").write_text(xml, encoding="utf-8")
        click.echo(f"{town.slug}: {out / f'{town.slug}.xml'}")
