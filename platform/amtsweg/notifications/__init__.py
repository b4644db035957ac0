"""Notifications: the transactional outbox, mail rendering and sending.

Interface for other modules
---------------------------

``amtsweg.notifications.services.queue_mail(*, to, template, context, locale="de",
dedupe_key=None, template_sources=None, case_id=None) -> OutboxMessage``
    Adds an outbox row for the current town to the current database session; the caller commits
    it in its own transaction (together with the change that causes the mail). After the commit
    the row is delivered by a job on the ``mail`` queue (inline without ``REDIS_URL``); a failed
    delivery stays pending and is redelivered by the sweeper (``flask jobs sweep``, every minute
    in ``flask jobs scheduler``). The same ``dedupe_key`` within one town yields the existing row
    instead of a second mail.

    ``template`` names ``notifications/templates/mail/<template>.<locale>.txt`` (first line:
    subject) and ``.html`` beside it; a town may override both in
    ``tenants/<slug>/templates/mail/``. ``context`` must be JSON-serialisable; the templates also
    get ``town`` (name, official name, contact, sender) and ``town_url``. Context values whose
    key ends in ``_url`` (at any depth) are removed from the row once the mail is delivered (status
    and resume links carry secret tokens). A mail without an ``.html`` template (e.g. a process
    version's own mail) gets an HTML part made from its text in the town's layout.

Delivery is at-least-once with one honest gap: a worker killed after the SMTP server accepted a
mail and before the row was marked delivered sends it again after the row's lease expired. The
Message-ID is derived from the row, so the repeated mail carries the same Message-ID and mail
clients show it once.
"""
