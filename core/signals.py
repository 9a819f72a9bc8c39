"""The blinker signals core emits; domains connect handlers through their plugin object."""
from blinker import Namespace

_signals = Namespace()

member_created = _signals.signal("member_created")
purchase_recorded = _signals.signal("purchase_recorded")
tier_changed = _signals.signal("tier_changed")
points_changed = _signals.signal("points_changed")
service_request_changed = _signals.signal("service_request_changed")
tenant_domains_changed = _signals.signal("tenant_domains_changed")
# a client manager's clients changed hands: kwargs moves={member_id: (from_manager_id, to_manager_id)}, actor, now
clients_handed_over = _signals.signal("clients_handed_over")
