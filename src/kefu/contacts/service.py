"""Contacts: one customer across channels (the only writer of contacts and identities)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.compliance.blind_index import email_index, phone_index
from kefu.compliance.columns import default_keyring
from kefu.contacts.models import Contact, ContactIdentity
from kefu.core.errors import InvalidInput, NotFound
from kefu.core.ids import new_id

MAX_FIELD = 200


@dataclass(frozen=True, slots=True)
class Profile:
    """What a channel knows about a sender; ``None`` means unknown (never overwrites)."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None


def _clean(value: str | None, limit: int = MAX_FIELD) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    if len(value) > limit:
        raise InvalidInput(f"profile field longer than {limit} characters")
    return value or None


def _check_email(email: str | None) -> str | None:
    email = _clean(email, 320)
    if email is None:
        return None
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email:
        raise InvalidInput("email is not a valid e-mail address")
    return email.lower()


def _check_phone(phone: str | None) -> str | None:
    phone = _clean(phone, 40)
    if phone is None:
        return None
    digits = [c for c in phone if c.isdigit()]
    if not 6 <= len(digits) <= 15 or any(c not in "+0123456789 -()." for c in phone):
        raise InvalidInput("phone is not a valid phone number")
    return phone


def apply_profile(contact: Contact, profile: Profile) -> bool:
    """Fill in what the profile knows; returns whether anything changed."""
    changed = False
    for field, value in (
        ("name", _clean(profile.name)),
        ("email", _check_email(profile.email)),
        ("phone", _check_phone(profile.phone)),
    ):
        if value is not None and getattr(contact, field) != value:
            setattr(contact, field, value)
            changed = True
    if changed:
        _refresh_indexes(contact)
    return changed


def _refresh_indexes(contact: Contact) -> None:
    """Keyed blind indexes of e-mail and phone: equality search without storing them in clear."""
    keyring = default_keyring.current()
    if keyring is None:
        contact.email_index = contact.phone_index = None
        return
    contact.email_index = email_index(keyring, contact.email) if contact.email else None
    try:
        contact.phone_index = phone_index(keyring, contact.phone) if contact.phone else None
    except InvalidInput:  # no country code: stored, but not searchable by phone
        contact.phone_index = None


def find_by_email_or_phone(
    session: Session, *, workspace_id: str, email: str | None = None, phone: str | None = None
) -> list[Contact]:
    """Contacts with exactly this e-mail or phone (after normalisation), through the index."""
    keyring = default_keyring.current()
    stmt = select(Contact).where(Contact.workspace_id == workspace_id)
    if email:
        stmt = stmt.where(
            Contact.email_index == email_index(keyring, email)
            if keyring is not None
            else Contact.email == _check_email(email)
        )
    if phone:
        index = phone_index(keyring, phone) if keyring is not None else None
        stmt = stmt.where(
            Contact.phone_index == index if keyring is not None else Contact.phone == phone
        )
    if not email and not phone:
        raise InvalidInput("give an email or a phone to search by")
    return list(session.scalars(stmt.limit(50)))


def resolve_identity(
    session: Session,
    *,
    workspace_id: str,
    inbox_id: str,
    external_id: str,
    profile: Profile | None = None,
    verified_customer_id: str | None = None,
) -> Contact:
    """The contact behind ``external_id`` on an inbox, created on first sight.

    A verified customer id (HMAC-checked by the channel) links the identity to the workspace's
    existing contact with that id, so one customer keeps one history across channels.
    """
    identity = session.scalar(
        select(ContactIdentity).where(
            ContactIdentity.inbox_id == inbox_id, ContactIdentity.external_id == external_id
        )
    )
    contact: Contact | None = None
    if verified_customer_id is not None:
        contact = session.scalar(
            select(Contact).where(
                Contact.workspace_id == workspace_id, Contact.external_id == verified_customer_id
            )
        )
    if contact is None and identity is not None:
        contact = session.get(Contact, identity.contact_id)
        if verified_customer_id is not None and contact is not None and not contact.external_id:
            contact.external_id = verified_customer_id
    if contact is None:
        contact = Contact(id=new_id(), workspace_id=workspace_id, external_id=verified_customer_id)
        session.add(contact)
    if profile is not None:
        apply_profile(contact, profile)
    if identity is None:
        session.add(
            ContactIdentity(
                id=new_id(),
                workspace_id=workspace_id,
                contact_id=contact.id,
                inbox_id=inbox_id,
                external_id=external_id,
            )
        )
    elif identity.contact_id != contact.id:
        identity.contact_id = contact.id
    # A concurrent request may create the same identity: the unique constraint fails this
    # flush and the caller's transaction retries (see conversations.service.ingest_inbound).
    session.flush()
    return contact


def get_contact(session: Session, *, workspace_id: str, contact_id: str) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None or contact.workspace_id != workspace_id:
        raise NotFound("contact not found")
    return contact
