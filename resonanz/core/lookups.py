"""`field__in=[…]` on PostgreSQL as `field = ANY(%s::type[])`: one array parameter instead of one per value.

Django's psycopg cursor binds on the client, and psycopg parses a statement's placeholders in Python on
every call once it has more than 50 of them (its statement cache stops there): the after-ingest steps'
`id IN (%s, …)` lists of hundreds of ids spent more CPU in that parsing than in the query (decision 0881).
With one array the statement text is the same whatever the list's length, so psycopg parses it once.
Same rows: `= ANY` of an array without NULLs is `IN` (Django drops None from the list first). SQLite and
everything that is not a plain list of values (subqueries, expressions) keep Django's `IN`."""

from __future__ import annotations

from typing import Any

from django.db.models import Field
from django.db.models.fields.related import ForeignObject
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In

# Column types whose values psycopg writes as an array literal the cast reads back unchanged.
ARRAY_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
        "CharField",
        "TextField",
        "SlugField",
        "EmailField",
        "UUIDField",
        "DateTimeField",
        "DateField",
    }
)


class _AnyArray:
    def as_postgresql(self, compiler: Any, connection: Any) -> Any:
        lookup: Any = self
        field = lookup.lhs.output_field
        compared = field.target_field if field.is_relation else field  # a foreign key: the key it holds
        if not lookup.rhs_is_direct_value() or compared.get_internal_type() not in ARRAY_TYPES:
            return lookup.as_sql(compiler, connection)
        lhs, lhs_params = lookup.process_lhs(compiler, connection)
        rhs, rhs_params = lookup.process_rhs(compiler, connection)  # EmptyResultSet for an empty list
        if rhs != "(" + ", ".join(["%s"] * len(rhs_params)) + ")":  # an expression among the values
            return lookup.as_sql(compiler, connection)
        return f"{lhs} = ANY(%s::{field.cast_db_type(connection)}[])", (*lhs_params, list(rhs_params))


class AnyIn(_AnyArray, In):  # type: ignore[type-arg]
    pass


class AnyRelatedIn(_AnyArray, RelatedIn):
    pass


def register() -> None:
    Field.register_lookup(AnyIn)
    ForeignObject.register_lookup(AnyRelatedIn)
