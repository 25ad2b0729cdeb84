"""Declarative base with a constraint naming convention, so migrations are stable."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, MetaData, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        dict[str, Any]: JSONB,
        list[Any]: JSONB,
        dt.datetime: DateTime(timezone=True),
    }


def pk() -> Mapped[int]:
    return mapped_column(BigInteger, primary_key=True, autoincrement=True)


def created_at() -> Mapped[dt.datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


def updated_at() -> Mapped[dt.datetime]:
    return mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )


def json_object() -> Mapped[dict[str, Any]]:
    # Server defaults too, so that bulk COPY writers may leave the column out.
    return mapped_column(JSONB, default=dict, server_default=text("'{}'::jsonb"), nullable=False)


def json_list() -> Mapped[list[Any]]:
    return mapped_column(JSONB, default=list, server_default=text("'[]'::jsonb"), nullable=False)


def flag(default: bool = False) -> Mapped[bool]:
    return mapped_column(Boolean, default=default, server_default=text(str(default).lower()),
                         nullable=False)


def text_default(value: str = "") -> Mapped[str]:
    return mapped_column(Text, default=value, server_default=text(f"'{value}'"), nullable=False)
