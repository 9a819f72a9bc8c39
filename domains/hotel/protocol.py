"""The VIP reception protocol (酒店VIP客户接待规程, seed 000) as data: every step with its department,
who may sign it, and its deadline as an offset from the guest's arrival, the meal or the departure.

Pure: no database, no Flask. A tenant starts from :data:`DEFAULT_STEPS` (the seed's numbers) and may
edit its own copy; numbers marked CHOSEN are ours where the seed gives none.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

LEVELS = ("IP", "VIP", "VVIP")
ANCHORS = ("arrival", "meal", "departure")

AMENITIES = {  # 000: fruit and flowers graded A/B/C by level, banner and signs, flowers on arrival
    "IP": ("fruit_c", "flowers_c", "lobby_sign"),
    "VIP": ("fruit_b", "flowers_b", "banner", "lobby_sign"),
    "VVIP": ("fruit_a", "flowers_a", "banner", "lobby_sign", "flowers_on_arrival"),
}


@dataclass(frozen=True)
class StepSpec:
    """One step of the protocol. ``signers`` maps a level to the positions that may sign it (and
    nobody else); ``offset`` is minutes from the anchor (negative: before)."""
    key: str
    title: object
    department: str
    signers: dict[str, tuple[str, ...]]
    anchor: str
    offset: int
    depends_on: tuple[str, ...] = ()

    def applies_to(self, level: str, has_meal: bool) -> bool:
        return level in self.signers and (self.anchor != "meal" or has_meal)

    def due_at(self, arrival: datetime, departure: datetime | None, meal: datetime | None) -> datetime | None:
        base = {"arrival": arrival, "departure": departure, "meal": meal}[self.anchor]
        return None if base is None else base + timedelta(minutes=self.offset)


def _all(*positions: str) -> dict[str, tuple[str, ...]]:
    return {level: tuple(positions) for level in LEVELS}


MANAGERS = ("hotel.front_office", "hotel.housekeeping", "hotel.engineering", "hotel.qa", "hotel.fnb",
            "hotel.security", "hotel.marketing", "hotel.finance")

DEFAULT_STEPS: tuple[StepSpec, ...] = (
    # The notice reaches every department at least 5 h before arrival; each manager signs for it.
    StepSpec("notice", _l("Reception Notice issued"), "front_office", _all("hotel.front_office", "hotel.gm"),
             "arrival", -300),
    *(StepSpec(f"notice_{p.split('.')[1]}", _l("Reception Notice signed for by the department"), p.split(".")[1],
               _all(p), "arrival", -300, ("notice",)) for p in MANAGERS if p != "hotel.front_office"),
    # Marketing makes the banner and sign 5 h before and puts them up 2 h before.
    StepSpec("banner_made", _l("Banner and welcome sign made"), "marketing", _all("hotel.marketing"), "arrival", -300),
    StepSpec("housekeeping", _l("Room cleaned, amenities and the GM's letter set, inspected"), "housekeeping",
             _all("hotel.housekeeping"), "arrival", -180),  # CHOSEN: with engineering, before QA's final check
    StepSpec("engineering", _l("Engineering inspection of every facility"), "engineering",
             _all("hotel.engineering"), "arrival", -180),
    StepSpec("flowers", _l("Flowers delivered"), "finance", _all("hotel.finance"), "arrival", -120),
    StepSpec("banner_placed", _l("Banner and welcome sign put up"), "marketing", _all("hotel.marketing"),
             "arrival", -120, ("banner_made",)),
    StepSpec("qa_final", _l("QA final inspection"), "qa", _all("hotel.qa"), "arrival", -60,
             ("housekeeping", "engineering")),
    # Sealing: a VIP room by the QA manager's assistant, a VVIP room by the GM's assistant, nobody else.
    StepSpec("sealing", _l("Room sealed"), "qa",
             {"IP": ("hotel.qa_assistant",), "VIP": ("hotel.qa_assistant",), "VVIP": ("hotel.gm_assistant",)},
             "arrival", -30, ("engineering", "qa_final")),  # CHOSEN: the seed orders it after QA's 1 h check
    StepSpec("room_keys", _l("Two room keys made"), "front_office",
             {"VIP": ("hotel.front_office",), "VVIP": ("hotel.front_office",)}, "arrival", -60),  # CHOSEN time
    StepSpec("security", _l("Security in place (white gloves)"), "security", _all("hotel.security"), "arrival", -20),
    StepSpec("greeting", _l("Greeting party in place"), "front_office",
             {"IP": ("hotel.marketing", "hotel.front_office", "hotel.assistant_manager"),
              "VIP": ("hotel.gm",), "VVIP": ("hotel.gm",)}, "arrival", -15),
    StepSpec("welcome_tea", _l("Welcome tea and towel in the room"), "housekeeping",
             _all("hotel.housekeeping", "hotel.assistant_manager"), "arrival", 5),
    # F&B private room: the director seals it 30 min before the meal, QA 20 min before.
    StepSpec("fnb_sealed", _l("Private dining room sealed (checklist)"), "fnb", _all("hotel.fnb"), "meal", -30),
    StepSpec("fnb_qa", _l("Private dining room checked by QA"), "qa", _all("hotel.qa"), "meal", -20,
             ("fnb_sealed",)),
    StepSpec("send_off", _l("Send-off party gathered"), "front_office",
             {"IP": ("hotel.assistant_manager", "hotel.front_office"), "VIP": ("hotel.gm",),
              "VVIP": ("hotel.gm",)}, "departure", -10),
    StepSpec("departure_told", _l("Housekeeping told the front office of the departure"), "housekeeping",
             _all("hotel.housekeeping"), "departure", 30),
    StepSpec("left_items", _l("Room checked for left items"), "housekeeping", _all("hotel.housekeeping"),
             "departure", 30),
    StepSpec("departure_notice", _l("Arrival/Departure Notice issued"), "front_office",
             _all("hotel.front_office"), "departure", 120, ("departure_told",)),
)

F_AND_B_CHECKLIST = ("temperature", "linen", "tableware", "menu", "no_insects", "carpet", "hygiene", "flowers",
                     "lights")


def steps_for(level: str, has_meal: bool, steps=DEFAULT_STEPS) -> list[StepSpec]:
    return [s for s in steps if s.applies_to(level, has_meal)]
