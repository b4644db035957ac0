"""What each recorded action is called where people read the audit trail (the town's audit log,
a file's access trail and history): one label per action key, in German and English."""

from __future__ import annotations

from flask_babel import lazy_gettext

ACTION_LABELS = {
    # cases
    "case.submitted": lazy_gettext("Antrag eingegangen"),
    "case.transition": lazy_gettext("Status geändert"),
    "case.assigned": lazy_gettext("Zuweisung geändert"),
    "case.note_added": lazy_gettext("Interne Notiz geschrieben"),
    "case.message_sent": lazy_gettext("Nachricht an die antragstellende Person gesendet"),
    "case.document_added": lazy_gettext("Dokument zum Vorgang hinzugefügt"),
    "case.citizen_replied": lazy_gettext("Antwort der antragstellenden Person eingegangen"),
    "case.withdrawn": lazy_gettext("Antrag zurückgezogen"),
    "case.viewed": lazy_gettext("Vorgang geöffnet"),
    "case.receipt_printed": lazy_gettext("Eingangsbestätigung gedruckt"),
    "case.archived": lazy_gettext("Archiviert"),
    "case.deleted": lazy_gettext("Nach Ablauf der Aufbewahrungsfrist gelöscht"),
    "draft.resume_link_sent": lazy_gettext("Link zum Weiterbearbeiten eines Entwurfs gesendet"),
    # the eAkte
    "akte.viewed": lazy_gettext("eAkte geöffnet"),
    "document.viewed": lazy_gettext("Dokument geöffnet"),
    "document.downloaded": lazy_gettext("Dokument heruntergeladen"),
    "document.previewed": lazy_gettext("Vorschau angesehen"),
    "document.version_added": lazy_gettext("Neue Version hochgeladen"),
    "document.locked": lazy_gettext("Ausgecheckt"),
    "document.unlocked": lazy_gettext("Eingecheckt"),
    "document.deleted": lazy_gettext("Gelöscht"),
    "vorgang.downloaded": lazy_gettext("Vorgang als ZIP heruntergeladen"),
    "vorgang.closed": lazy_gettext("Vorgang der eAkte geschlossen"),
    "vorgang.hold_set": lazy_gettext("Aufbewahrung verlängert (Löschsperre)"),
    "vorgang.hold_lifted": lazy_gettext("Löschsperre aufgehoben"),
    # archiving
    "aussonderung.offered": lazy_gettext("Aussonderung dem Archiv angeboten"),
    "aussonderung.0502_imported": lazy_gettext("Bewertung des Archivs eingelesen"),
    "aussonderung.0504_imported": lazy_gettext("Empfangsbestätigung des Angebots eingelesen"),
    "aussonderung.0506_imported": lazy_gettext("Übernahmebestätigung des Archivs eingelesen"),
    "aussonderung.0507_imported": lazy_gettext("Empfangsbestätigung der Abgabe eingelesen"),
    "aussonderung.handed_off": lazy_gettext("Aussonderung an das Archiv abgegeben"),
    "aussonderung.completed": lazy_gettext("Aussonderung abgeschlossen"),
    # payments
    "payment.created": lazy_gettext("Zahlung angelegt"),
    "payment.pending": lazy_gettext("Zahlung wird eingerichtet"),
    "payment.open": lazy_gettext("Zahlung offen"),
    "payment.paid": lazy_gettext("Zahlung eingegangen"),
    "payment.failed": lazy_gettext("Zahlung fehlgeschlagen"),
    "payment.cancelled": lazy_gettext("Zahlung abgebrochen"),
    "payment.refunded": lazy_gettext("Zahlung erstattet"),
    "payment.marked_paid_by_hand": lazy_gettext("Zahlungseingang von Hand gebucht"),
    # contracts
    "contract.created": lazy_gettext("Vertrag angelegt"),
    "contract.updated": lazy_gettext("Vertrag geändert"),
    "contract.imported": lazy_gettext("Verträge aus einer Datei übernommen"),
    "contract.document_added": lazy_gettext("Dokument zum Vertrag hinzugefügt"),
    "contract.calendar_token_issued": lazy_gettext("Kalenderadresse für Vertragsfristen ausgegeben"),
    # accounts and access
    "user.created": lazy_gettext("Konto bei der ersten Anmeldung angelegt"),
    "user.logged_in": lazy_gettext("Angemeldet"),
    "user.sessions_ended": lazy_gettext("Alle Sitzungen beendet"),
    "citizen_account.created": lazy_gettext("Bürgerkonto angelegt"),
    "citizen_account.logged_in": lazy_gettext("Mit dem Bürgerkonto angemeldet"),
    "api_token.created": lazy_gettext("API-Schlüssel angelegt"),
    "api_token.revoked": lazy_gettext("API-Schlüssel widerrufen"),
    "api.call": lazy_gettext("Aufruf der API"),
    "webhook.subscribed": lazy_gettext("Webhook angelegt"),
    "webhook.unsubscribed": lazy_gettext("Webhook abbestellt"),
    "webhook.sent_again": lazy_gettext("Webhook erneut gesendet"),
    # the town's services and reports
    "process_version_published": lazy_gettext("Neue Version der Leistung veröffentlicht"),
    "process_enabled": lazy_gettext("Leistung eingeschaltet"),
    "process_disabled": lazy_gettext("Leistung ausgeschaltet"),
    "process_overrides_changed": lazy_gettext("Anpassungen der Leistung geändert"),
    "reports.outlook_saved": lazy_gettext("Ausblick des Berichts gespeichert"),
    "reports.history_imported": lazy_gettext("Frühere Zahlen für die Statistik übernommen"),
}


def action_label(action: str) -> str:
    """The action in words of the page's language; an action without a label by its key."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


# What kind of thing an action was about, as the audit log names it before the thing's id.
OBJECT_LABELS = {
    "case": lazy_gettext("Vorgang"),
    "draft": lazy_gettext("Entwurf"),
    "document": lazy_gettext("Dokument"),
    "payment": lazy_gettext("Zahlung"),
    "contract": lazy_gettext("Vertrag"),
    "contract_import": lazy_gettext("Vertragsimport"),
    "aussonderung": lazy_gettext("Aussonderung"),
    "user": lazy_gettext("Konto"),
    "citizen_account": lazy_gettext("Bürgerkonto"),
    "api_token": lazy_gettext("API-Schlüssel"),
    "webhook_subscription": lazy_gettext("Webhook"),
    "process": lazy_gettext("Leistung"),
    "report": lazy_gettext("Bericht"),
    "town": lazy_gettext("Kommune"),
}


def object_label(object_type: str) -> str:
    """The kind of object in words of the page's language (its key when it has no label)."""
    label = OBJECT_LABELS.get(object_type)
    return str(label) if label is not None else object_type
