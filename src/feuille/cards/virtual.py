"""The shipped card reader: virtual cards read from a card directory (see ``card_files``).

A CLI runs one process per command, so what is inserted lives on disk (``reader.json``), as do each card's
counters (``state/NAME.json``). A verified PIN lives only in memory (never on disk), tied to the insertion it was
given for: in this object, or in the card agent :meth:`VirtualCardReader.start_session` hands it to
(``agent_client``), which signs for the later processes; removing the card (from any process) forgets it. The PIN
is checked by logging in to the card's PKCS#11 token; feuille counts the wrong tries itself (three block the card,
the block is on disk and survives a restart) because SoftHSM does not lock its tokens. Unblocking resets the PIN
through the token's SO session (C_InitPIN) with the card's unblocking code, which has its own counter (ten wrong
codes and the card is dead, as a real one).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from feuille.cards import agent_client, software_key
from feuille.cards.card_files import (
    PIN_TRIES,
    PRO_KINDS,
    CardDir,
    CardFile,
    CardState,
    load_card,
    load_state,
    read_json,
    save_state,
    write_json_atomic,
)
from feuille.cards.pkcs11_signer import Pkcs11Token
from feuille.cards.port import (
    CardBlockedError,
    CardDataError,
    CardKind,
    CardUnusableError,
    NoCardError,
    PinFormatError,
    PinNotVerifiedError,
    ProfessionalCardData,
    Signature,
    UnknownCardError,
    VitaleCardData,
    WrongPinError,
    WrongPukError,
)
from feuille.config import DEFAULT_CARD_SESSION_MINUTES, DEFAULT_PKCS11_MODULE, get_settings

SLOTS = ("professional", "vitale")   # the reader's two slots: CPS/CPE, and Vitale card or app


@dataclass(frozen=True)
class Inserted:
    name: str
    serial: str
    kind: CardKind
    insertion: str   # a fresh id per insertion: a PIN verified for an earlier insertion does not count


@dataclass(frozen=True)
class CardSummary:
    name: str
    kind: CardKind
    serial: str
    holder: str
    pin_tries_left: int | None = None   # CPS/CPE only
    blocked: bool = False


@dataclass(frozen=True)
class ReaderStatus:
    professional: CardSummary | None
    professional_data: ProfessionalCardData | None
    pin_verified: bool
    vitale: CardSummary | None
    vitale_data: VitaleCardData | None
    session: agent_client.AgentStatus | None = None   # the card agent that keeps the PIN verified, if any


def _digits(value: object, count: int, what: str) -> str:
    if not isinstance(value, str) or len(value) != count or not value.isdigit() or not value.isascii():
        raise PinFormatError(what, count)
    return value


class VirtualCardReader:
    """Implements :class:`feuille.cards.port.CardReader` over a card directory."""

    def __init__(self, card_dir: Path | str, module: str = DEFAULT_PKCS11_MODULE, *,
                 session_minutes: float = DEFAULT_CARD_SESSION_MINUTES, use_agent: bool = True) -> None:
        self.dir = CardDir(Path(card_dir))
        self.module = module
        self.session_minutes = session_minutes
        self.use_agent = use_agent   # False in the agent itself: it must never ask itself
        self._pins: dict[str, tuple[str, str]] = {}   # serial -> (insertion id, PIN), this process only

    # --- cards available -----------------------------------------------------------------------------------------

    def names(self) -> list[str]:
        return self.dir.names()

    def card(self, name_or_serial: str) -> CardFile:
        """A card by file name (``cps-firmier``) or serial."""
        if not isinstance(name_or_serial, str) or not name_or_serial.strip():
            raise UnknownCardError(str(name_or_serial))
        wanted = name_or_serial.strip()
        names = self.names()
        if wanted in names:
            return load_card(self.dir, wanted)
        for name in names:
            try:
                card = load_card(self.dir, name)
            except CardDataError:
                continue
            if card.serial == wanted:
                return card
        raise UnknownCardError(wanted)

    def summary(self, card: CardFile) -> CardSummary:
        if card.kind in PRO_KINDS:
            state = load_state(self.dir, card.name)
            return CardSummary(card.name, card.kind, card.serial, card.holder_label(), state.pin_tries_left,
                               state.blocked)
        return CardSummary(card.name, card.kind, card.serial, card.holder_label())

    def available(self) -> list[CardSummary | CardDataError]:
        """Every card of the directory, or the error that makes it unreadable."""
        out: list[CardSummary | CardDataError] = []
        for name in self.names():
            try:
                out.append(self.summary(load_card(self.dir, name)))
            except CardDataError as exc:
                out.append(exc)
        return out

    # --- the reader's slots ----------------------------------------------------------------------------------

    def _slots(self) -> dict[str, Inserted | None]:
        if not self.dir.reader.exists():
            return dict.fromkeys(SLOTS)
        data = read_json(self.dir.reader, "reader.json")
        slots: dict[str, Inserted | None] = {}
        for slot in SLOTS:
            item: Any = data.get(slot)
            try:
                slots[slot] = None if item is None else Inserted(str(item["name"]), str(item["serial"]),
                                                                   CardKind(item["kind"]), str(item["insertion"]))
            except (KeyError, TypeError, ValueError):
                raise CardDataError("reader.json", f"emplacement « {slot} » illisible") from None
        return slots

    def _save_slots(self, slots: dict[str, Inserted | None]) -> None:
        write_json_atomic(self.dir.reader, {slot: (None if item is None else item.__dict__)
                                            for slot, item in slots.items()})

    def insert(self, name_or_serial: str) -> tuple[CardFile, Inserted | None]:
        """Put a card in its slot; returns it and the card it replaced, if any."""
        card = self.card(name_or_serial)
        slot = "professional" if card.kind in PRO_KINDS else "vitale"
        with self.dir.locked():
            slots = self._slots()
            previous = slots[slot]
            slots[slot] = Inserted(card.name, card.serial, card.kind, uuid.uuid4().hex)
            self._save_slots(slots)
        if previous is not None:
            self._pins.pop(previous.serial, None)
        self._pins.pop(card.serial, None)
        if slot == "professional":
            self.end_session()   # a new insertion: the PIN must be given again
        return card, previous if previous is not None and previous.serial != card.serial else None

    def remove(self, slot: str | None = None) -> list[Inserted]:
        """Take out the professional card, the Vitale card, or both (``None``); returns what was removed."""
        wanted = SLOTS if slot is None else (slot,)
        with self.dir.locked():
            slots = self._slots()
            removed = [item for s in wanted if (item := slots.get(s)) is not None]
            for s in wanted:
                slots[s] = None
            self._save_slots(slots)
        for item in removed:
            self._pins.pop(item.serial, None)
        if "professional" in wanted:
            self.end_session()
        return removed

    def _inserted(self, slot: str) -> tuple[Inserted, CardFile] | None:
        item = self._slots()[slot]
        if item is None:
            return None
        try:
            card = load_card(self.dir, item.name)
        except UnknownCardError:
            return None   # its file is gone: as if it had been pulled out
        return (item, card) if card.serial == item.serial else None

    def status(self) -> ReaderStatus:
        pro, vit = self._inserted("professional"), self._inserted("vitale")
        verified = pro is not None and self._pins.get(pro[0].serial, ("", ""))[0] == pro[0].insertion
        session = self.session() if pro is not None else None
        return ReaderStatus(
            professional=self.summary(pro[1]) if pro else None,
            professional_data=pro[1].professional if pro else None, pin_verified=verified or session is not None,
            vitale=self.summary(vit[1]) if vit else None, vitale_data=vit[1].vitale if vit else None,
            session=session)

    def current_insertion(self, serial: str) -> str | None:
        """The insertion id of the professional card ``serial`` if it is the one in the reader."""
        found = self._inserted("professional")
        return found[0].insertion if found is not None and found[0].serial == serial else None

    # --- the card agent (a verified PIN that outlives this process) -------------------------------------------

    @property
    def agent_socket(self) -> Path:
        return agent_client.socket_path(self.dir.root)

    def session(self) -> agent_client.AgentStatus | None:
        """The card agent serving the current insertion of the professional card, if one is alive."""
        found = self._inserted("professional")
        if not self.use_agent or found is None:
            return None
        alive = agent_client.status(self.agent_socket)
        if alive is None or (alive.serial, alive.insertion) != (found[0].serial, found[0].insertion):
            return None
        return alive

    def start_session(self, serial: str) -> agent_client.AgentInfo:
        """Hand the PIN verified in this process to a card agent, so that later processes sign without it."""
        item, card = self._professional(serial)
        insertion, pin = self._pins.get(serial, ("", ""))
        if insertion != item.insertion:
            raise PinNotVerifiedError(f"PIN of card {serial} not verified since insertion")
        self.end_session()
        return agent_client.start(self.dir.root, self.module, card.serial, item.insertion, pin,
                                  self.session_minutes)

    def end_session(self) -> bool:
        """Stop the card agent of this reader, if any; True if one was running."""
        return self.use_agent and agent_client.stop(self.agent_socket)

    def login_for(self, serial: str, insertion: str, pin: str) -> None:
        """The agent's start: log in with ``pin`` for exactly this insertion (a newer one is not ours)."""
        if self.current_insertion(serial) != insertion:
            raise NoCardError(f"card {serial}: insertion {insertion} is over")
        self.verify_pin(serial, pin)
        if self._pins.get(serial, ("", ""))[0] != insertion:
            self._pins.pop(serial, None)
            raise NoCardError(f"card {serial}: insertion {insertion} is over")

    # --- the port ----------------------------------------------------------------------------------------------

    def professional_card(self) -> ProfessionalCardData | None:
        found = self._inserted("professional")
        return found[1].professional if found else None

    def vitale_card(self) -> VitaleCardData | None:
        found = self._inserted("vitale")
        return found[1].vitale if found else None

    def _token(self, card: CardFile) -> Pkcs11Token:
        assert card.token_label is not None
        config = self.dir.softhsm_conf if self.dir.softhsm_conf.exists() else None
        return Pkcs11Token(self.module, card.token_label, config)

    def _professional(self, serial: str) -> tuple[Inserted, CardFile]:
        found = self._inserted("professional")
        if found is None or found[0].serial != serial:
            raise NoCardError(f"no professional card {serial} in the reader")
        return found

    def verify_pin(self, serial: str, pin: str) -> None:
        item, card = self._professional(serial)
        with self.dir.locked():
            state = load_state(self.dir, card.name)
            if state.blocked:
                raise CardBlockedError(card.kind, card.serial)
            _digits(pin, 4, "pin")
            if self._token(card).check_pin(pin):
                if state.pin_tries_left != PIN_TRIES:
                    save_state(self.dir, card.name, CardState(PIN_TRIES, False, state.puk_tries_left))
                self._pins[serial] = (item.insertion, pin)
                return
            state.pin_tries_left -= 1
            state.blocked = state.pin_tries_left <= 0
            save_state(self.dir, card.name, state)
        self._pins.pop(serial, None)
        self.end_session()   # as a real card: a wrong PIN drops the verified state, whoever held it
        if state.blocked:
            raise CardBlockedError(card.kind, card.serial)
        raise WrongPinError(state.pin_tries_left)

    def sign(self, serial: str, data: bytes) -> Signature:
        if not isinstance(data, bytes | bytearray):
            raise TypeError("sign: bytes expected (see feuille.cards.signatures.canonical_bytes)")
        found = self._inserted("vitale")
        if found is not None and found[0].serial == serial:
            return self._sign_software(found[1], bytes(data))
        item, card = self._professional(serial)
        if load_state(self.dir, card.name).blocked:
            self._pins.pop(serial, None)
            raise CardBlockedError(card.kind, card.serial)
        insertion, pin = self._pins.get(serial, ("", ""))
        if insertion != item.insertion:
            return self._sign_through_agent(item, card, bytes(data))
        signed = self._token(card).sign(pin, bytes(data))
        if signed is None:   # the PIN was changed (unblocked elsewhere) since it was verified
            self._pins.pop(serial, None)
            raise PinNotVerifiedError(f"PIN of card {serial} no longer valid")
        return Signature(card_serial=card.serial, card_kind=card.kind, algorithm=signed.algorithm,
                         value=signed.value, public_key=signed.public_key)

    def _sign_through_agent(self, item: Inserted, card: CardFile, data: bytes) -> Signature:
        signed = (agent_client.sign(self.agent_socket, card.serial, item.insertion, data) if self.use_agent
                  else None)
        if signed is None:
            raise PinNotVerifiedError(f"PIN of card {card.serial} not verified since insertion (no card agent)")
        algorithm, value, public_key = signed
        return Signature(card_serial=card.serial, card_kind=card.kind, algorithm=algorithm, value=value,
                         public_key=public_key)

    def _sign_software(self, card: CardFile, data: bytes) -> Signature:
        if card.private_key is None:
            raise CardDataError(card.name, "champ « private_key » manquant : la carte ne peut pas signer")
        try:
            key = software_key.load_key(card.private_key)
        except (ValueError, TypeError):
            raise CardDataError(card.name, "clé de la carte illisible (EC P-256 en PEM attendue)") from None
        return software_key.sign(key, card.serial, card.kind, data)

    # --- unblocking ------------------------------------------------------------------------------------------

    def unblock(self, name_or_serial: str, puk: str, new_pin: str) -> None:
        """Reset the PIN of a CPS/CPE with its unblocking code; the card is usable again with ``new_pin``."""
        card = self.card(name_or_serial)
        if card.kind not in PRO_KINDS:
            raise UnknownCardError(card.name)
        _digits(puk, 8, "puk")
        _digits(new_pin, 4, "new_pin")
        with self.dir.locked():
            state = load_state(self.dir, card.name)
            if state.puk_tries_left <= 0:
                raise CardUnusableError(f"card {card.serial}: unblocking code tries used up")
            if self._token(card).reset_pin(puk, new_pin):
                save_state(self.dir, card.name, CardState())
                self._pins.pop(card.serial, None)
                if self.current_insertion(card.serial) is not None:
                    self.end_session()   # its PIN changed
                return
            state.puk_tries_left -= 1
            save_state(self.dir, card.name, state)
        if state.puk_tries_left <= 0:
            raise CardUnusableError(f"card {card.serial}: unblocking code tries used up")
        raise WrongPukError(state.puk_tries_left)


def reader_from_settings() -> VirtualCardReader:
    """The reader for this desk: ``FEUILLE_CARDS_DIR`` and ``FEUILLE_PKCS11_MODULE``."""
    settings = get_settings()
    return VirtualCardReader(settings.cards_dir, settings.pkcs11_module,
                             session_minutes=settings.card_session_minutes)
