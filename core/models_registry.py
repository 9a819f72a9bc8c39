"""Imports every core model module so the metadata is complete (Alembic, create_all, listeners)."""
from core.api import idempotency  # noqa: F401
from core.approvals import models as approvals_models  # noqa: F401
from core.audit import models as audit_models  # noqa: F401
from core.billing import models as billing_models  # noqa: F401
from core.identity import models as identity_models  # noqa: F401
from core.imports import models as imports_models  # noqa: F401
from core.jobs import models as jobs_models  # noqa: F401
from core.jobs import runner  # noqa: F401  (registers the after-commit relay)
from core.tenancy import context  # noqa: F401  (registers the scoping listeners)
from core.tenancy import models as tenancy_models  # noqa: F401
from core import mail  # noqa: F401
from core.members import models as members_models  # noqa: F401
from core.points import models as points_models  # noqa: F401
from core.purchases import models as purchases_models  # noqa: F401
from core.service import models as service_models  # noqa: F401
from core.tenancy import sequences  # noqa: F401
from core.tiers import models as tiers_models  # noqa: F401
from core.tasks import models as tasks_models  # noqa: F401
from core.segments import models as segments_models  # noqa: F401
from core.portfolios import models as portfolios_models  # noqa: F401
