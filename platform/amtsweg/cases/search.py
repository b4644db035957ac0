"""Finding cases by a word of the applicant's name or of the reference, with an index also under
PostgreSQL's row-level security.

On a table with row-level security PostgreSQL lets only *leakproof* conditions use an index (so
that a condition cannot reveal rows of the policy's other towns). ``ILIKE`` is not leakproof, so
a pattern search reads every case of the town, trigram index or not. Text comparison is
leakproof: the words of each case's name and reference are kept here, folded like every search
of the platform (lower case, "ä" and "ae" alike), one row each, and a search word finds the words
that start with it as a range on the primary key's btree (the column sorts bytewise,
``COLLATE "C"``). Rows are written with the case by the mapper hooks below, so every service that
creates or renames a case keeps them without knowing about them.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    ForeignKeyConstraint,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    and_,
    delete,
    event,
    insert,
    select,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from amtsweg.cases.models import Case
from amtsweg.extensions import Model
from amtsweg.tenancy.scoping import TenantOwned
from amtsweg.text import fold

TERM_LENGTH = 100
# Unicode's last code point sorts after every character a folded word can end with.
_AFTER_EVERY_WORD = "\U0010ffff"


class CaseSearchTerm(TenantOwned, Model):
    """One folded word of a case's applicant name or reference."""

    __tablename__ = "case_search_term"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "term", "case_id"),
        ForeignKeyConstraint(["tenant_id", "case_id"], ["case_file.tenant_id", "case_file.id"], ondelete="CASCADE"),
    )

    term: Mapped[str] = mapped_column(
        String(TERM_LENGTH).with_variant(String(TERM_LENGTH, collation="C"), "postgresql"), nullable=False
    )
    case_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)


def terms_of(name: str, reference: str) -> set[str]:
    """The folded words a case is found by (hyphenated parts also on their own)."""
    words = set()
    for word in fold(f"{name} {reference}").split():
        words.add(word)
        words.update(part for part in word.split("-") if part)
    return {word[:TERM_LENGTH] for word in words}


def matching(search: str) -> ColumnElement[bool]:
    """A condition on :class:`Case`: every word of ``search`` starts a word of the case's name or
    reference. Each word is one range scan of the index (the town comes from the scoping)."""
    conditions = []
    for word in sorted(terms_of(search, ""), key=len, reverse=True)[:5]:
        conditions.append(Case.id.in_(
            select(CaseSearchTerm.case_id).where(
                CaseSearchTerm.term >= word, CaseSearchTerm.term < word + _AFTER_EVERY_WORD
            )
        ))
    return and_(*conditions) if conditions else Case.id.is_(None)


# The mapped table, for the flush hooks (they write with the connection, not the session).
_TABLE: Table = cast(Table, CaseSearchTerm.__table__)


def _rows(case: Case) -> list[dict[str, Any]]:
    return [{"tenant_id": case.tenant_id, "term": term, "case_id": case.id}
            for term in terms_of(case.applicant_name or "", case.reference or "")]


@event.listens_for(Case, "after_insert")
def _index_new_case(mapper: Mapper[Case], connection: Connection, case: Case) -> None:
    rows = _rows(case)
    if rows:
        connection.execute(insert(_TABLE), rows)


@event.listens_for(Case, "after_update")
def _index_changed_case(mapper: Mapper[Case], connection: Connection, case: Case) -> None:
    state = sa_inspect(case)
    if not (state.attrs.applicant_name.history.has_changes() or state.attrs.reference.history.has_changes()):
        return
    connection.execute(delete(_TABLE).where(_TABLE.c.tenant_id == case.tenant_id, _TABLE.c.case_id == case.id))
    _index_new_case(mapper, connection, case)
