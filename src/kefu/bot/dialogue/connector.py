"""The shop connector: how the bot looks up orders, bookings, courses and products.

A merchant's real system (a shop platform, a booking system) implements :class:`ShopConnector`;
:class:`InMemoryShop` is a complete implementation over dictionaries, for the demo and tests.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol


class ConnectorUnavailable(Exception):
    """The merchant's system could not be reached; the bot hands the conversation to a person."""


@dataclass(frozen=True)
class Order:
    number: str
    status: str
    carrier: str | None = None
    tracking_number: str | None = None
    eta: str | None = None
    total: str | None = None


@dataclass(frozen=True)
class Booking:
    reference: str
    date: str
    time: str | None = None
    party_size: str | None = None


@dataclass(frozen=True)
class BookingRequest:
    """What the customer asked for, in their own words (``tomorrow``, ``四个人``)."""

    date: str
    party_size: str
    time: str | None = None
    item: str | None = None
    contact_name: str = ""


@dataclass(frozen=True)
class Course:
    name: str
    schedule: str


@dataclass(frozen=True)
class Product:
    title: str
    price: str
    url: str | None = None
    image: str | None = None


class ShopConnector(Protocol):
    """Each method may raise :class:`ConnectorUnavailable`; ``None`` means "no such record"."""

    def lookup_order(self, number: str) -> Order | None: ...

    def lookup_booking(self, reference: str) -> Booking | None: ...

    def create_booking(self, request: BookingRequest) -> Booking | None: ...

    def lookup_course(self, name: str) -> Course | None: ...

    def find_product(self, text: str) -> Product | None: ...


_CODE_NOISE = re.compile(r"[\s#\-_]+")


def record_key(value: str) -> str:
    """How a customer-typed code is compared: ``#kf 10234`` and ``KF-10234`` are the same order."""
    return _CODE_NOISE.sub("", unicodedata.normalize("NFKC", value)).casefold()


@dataclass
class InMemoryShop:
    """A shop whose records live in dictionaries; bookings it creates get ``B-1``, ``B-2``, …"""

    orders: Mapping[str, Order] = field(default_factory=dict)
    bookings: dict[str, Booking] = field(default_factory=dict)
    courses: Mapping[str, Course] = field(default_factory=dict)
    products: Mapping[str, Product] = field(default_factory=dict)
    created: list[BookingRequest] = field(default_factory=list)

    def lookup_order(self, number: str) -> Order | None:
        key = record_key(number)
        return next((o for o in self.orders.values() if record_key(o.number) == key), None)

    def lookup_booking(self, reference: str) -> Booking | None:
        key = record_key(reference)
        return next((b for b in self.bookings.values() if record_key(b.reference) == key), None)

    def create_booking(self, request: BookingRequest) -> Booking | None:
        self.created.append(request)
        reference = f"B-{len(self.created)}"
        booking = Booking(reference, request.date, request.time, request.party_size)
        self.bookings[reference] = booking
        return booking

    def lookup_course(self, name: str) -> Course | None:
        wanted = unicodedata.normalize("NFKC", name).casefold().strip()
        for course in self.courses.values():
            known = unicodedata.normalize("NFKC", course.name).casefold()
            if known == wanted or (len(wanted) >= 2 and (wanted in known or known in wanted)):
                return course
        return None

    def find_product(self, text: str) -> Product | None:
        said = unicodedata.normalize("NFKC", text).casefold()
        for keyword, product in self.products.items():
            if unicodedata.normalize("NFKC", keyword).casefold() in said:
                return product
        return None


class UnconnectedShop:
    """The connector of a workspace that has connected no shop system: every lookup is
    unavailable, so the bot hands the conversation to a person instead of guessing."""

    def _unavailable(self) -> ConnectorUnavailable:
        return ConnectorUnavailable("no shop system is connected to this workspace")

    def lookup_order(self, number: str) -> Order | None:
        raise self._unavailable()

    def lookup_booking(self, reference: str) -> Booking | None:
        raise self._unavailable()

    def create_booking(self, request: BookingRequest) -> Booking | None:
        raise self._unavailable()

    def lookup_course(self, name: str) -> Course | None:
        raise self._unavailable()

    def find_product(self, text: str) -> Product | None:
        return None  # a product card is an extra; the answer stands without it
