"""Professionals, remplaçant links and their calendars, preferences, prescribers, favourites."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feuille.storage.base import Base


class Professional(Base):
    """A PS registered from his CPS card (or typed): titulaire, or remplaçant by mode d'exercice."""

    __tablename__ = "professionals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    civility: Mapped[str] = mapped_column(String(4))
    last_name: Mapped[str] = mapped_column(String(60))
    first_name: Mapped[str] = mapped_column(String(60))
    rpps: Mapped[str | None] = mapped_column(String(11), unique=True)
    billing_number: Mapped[str] = mapped_column(String(9), unique=True)  # 8 digits + key
    specialty: Mapped[str] = mapped_column(String(2))
    profession: Mapped[str] = mapped_column(String(24))  # derived from the specialty, stored for queries
    mode: Mapped[str] = mapped_column(String(12))  # mode d'exercice; "remplacant" makes a remplaçant
    kind: Mapped[str] = mapped_column(String(12), index=True)  # titulaire / remplacant (from the mode)
    situation: Mapped[int] = mapped_column(Integer)
    caisse: Mapped[str] = mapped_column(String(3))
    sector: Mapped[int] = mapped_column(Integer)
    from_card: Mapped[bool] = mapped_column(Boolean)  # "Origine des informations : CPS"
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class ReplacementLink(Base):
    """A remplaçant stands in for a titulaire; unticking the titulaire sets ``active`` to False."""

    __tablename__ = "replacement_links"
    __table_args__ = (UniqueConstraint("remplacant_id", "titulaire_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    remplacant_id: Mapped[int] = mapped_column(ForeignKey("professionals.id", ondelete="CASCADE"), index=True)
    titulaire_id: Mapped[int] = mapped_column(ForeignKey("professionals.id", ondelete="RESTRICT"), index=True)
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    days: Mapped[list[ReplacementDay]] = relationship(
        back_populates="link", cascade="all, delete-orphan", passive_deletes=True, order_by="ReplacementDay.day")


class ReplacementDay(Base):
    """One day of the remplaçant's calendar for one titulaire."""

    __tablename__ = "replacement_days"
    __table_args__ = (UniqueConstraint("link_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("replacement_links.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)

    link: Mapped[ReplacementLink] = relationship(back_populates="days")


class ProfessionalPreferences(Base):
    """The "Profils / Préférences" page of one professional."""

    __tablename__ = "professional_preferences"

    professional_id: Mapped[int] = mapped_column(ForeignKey("professionals.id", ondelete="CASCADE"),
                                                 primary_key=True)
    adri_mode: Mapped[str] = mapped_column(String(12))
    amc_tp_mode: Mapped[str] = mapped_column(String(12))
    sts_enabled: Mapped[bool] = mapped_column(Boolean)
    sts_level1_diagnostics: Mapped[bool] = mapped_column(Boolean)
    sts_detailed_formulas: Mapped[bool] = mapped_column(Boolean)
    sts_assistance: Mapped[bool] = mapped_column(Boolean)
    home_by_default: Mapped[bool] = mapped_column(Boolean)
    show_performing_ps: Mapped[bool] = mapped_column(Boolean)
    show_amount_recap: Mapped[bool] = mapped_column(Boolean)
    act_series: Mapped[bool] = mapped_column(Boolean)
    default_payment: Mapped[str] = mapped_column(String(8))
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Prescriber(Base):
    __tablename__ = "prescribers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_name: Mapped[str] = mapped_column(String(60))
    first_name: Mapped[str | None] = mapped_column(String(60))
    number: Mapped[str] = mapped_column(String(11), unique=True)
    rpps: Mapped[str | None] = mapped_column(String(11))
    specialty: Mapped[str | None] = mapped_column(String(2))
    last_name_key: Mapped[str] = mapped_column(String(60), index=True)  # upper, no accents: prefix search
    first_name_key: Mapped[str] = mapped_column(String(60), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Favourite(Base):
    """A "soin favori" of the professional who created it (the manual: favourites are his)."""

    __tablename__ = "favourites"
    __table_args__ = (UniqueConstraint("professional_id", "label_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    professional_id: Mapped[int] = mapped_column(ForeignKey("professionals.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(80))
    label_key: Mapped[str] = mapped_column(String(80))  # upper, no accents: prefix search, uniqueness
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    acts: Mapped[list[FavouriteActRow]] = relationship(
        back_populates="favourite", cascade="all, delete-orphan", passive_deletes=True,
        order_by="FavouriteActRow.position")


class FavouriteActRow(Base):
    __tablename__ = "favourite_acts"
    __table_args__ = (UniqueConstraint("favourite_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    favourite_id: Mapped[int] = mapped_column(ForeignKey("favourites.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(13))
    quantity: Mapped[int] = mapped_column(Integer)
    coefficient: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    price: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    qualifier: Mapped[str | None] = mapped_column(String(1))
    indemnity: Mapped[str | None] = mapped_column(String(4))
    distance_km: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))

    favourite: Mapped[Favourite] = relationship(back_populates="acts")


__all__ = ["Favourite", "FavouriteActRow", "Prescriber", "Professional", "ProfessionalPreferences",
           "ReplacementDay", "ReplacementLink"]
