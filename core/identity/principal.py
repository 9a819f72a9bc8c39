"""Who is acting in this request: a staff member through a session, or an API key."""
from __future__ import annotations

from dataclasses import dataclass, field

from core.identity.models import ROLES


@dataclass(frozen=True)
class Principal:
    label: str
    role: str
    positions: tuple[str, ...] = field(default_factory=tuple)
    user_id: int | None = None
    api_key_id: int | None = None
    membership_id: int | None = None

    def has_role(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)

    def holds_any(self, positions) -> bool:
        return any(p in self.positions for p in positions)

    def allows(self, role: str = "staff", positions=()) -> bool:
        """Role at least ``role``; if positions are named, one of them too (admins hold all)."""
        if not self.has_role(role):
            return False
        if positions and not (self.has_role("admin") or self.holds_any(positions)):
            return False
        return True

    @classmethod
    def of_membership(cls, membership) -> "Principal":
        return cls(label=membership.user.email, role=membership.role,
                   positions=tuple(membership.positions or ()), user_id=membership.user_id,
                   membership_id=membership.id)

    @classmethod
    def of_api_key(cls, key) -> "Principal":
        return cls(label=f"api-key:{key.prefix}", role=key.role, api_key_id=key.id)
