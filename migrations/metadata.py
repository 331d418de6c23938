"""Every app's MetaData, for autogenerate. Migrations may see all schemas; apps never do."""

from __future__ import annotations

from sqlalchemy import MetaData


def all_metadata() -> list[MetaData]:
    from gateway.donors import models as _donors  # noqa: F401 - registers gateway tables
    from gateway.hospitals import models as _hospitals  # noqa: F401
    from gateway.staff.models import Base as GatewayBase
    from services.claims import models as _claims  # noqa: F401 - registers every claims table
    from services.claims.database import Base as ClaimsBase
    from services.entitlement.database import Base as EntitlementBase
    from services.entitlement.holds import models as _holds  # noqa: F401 - registers tables
    from services.entitlement.registry import models as _registry  # noqa: F401
    from services.interop import models as _interop  # noqa: F401 - registers every interop table
    from services.interop.database import Base as InteropBase
    from services.payments.database import Base as PaymentsBase
    from services.payments.disbursements import models as _disbursements  # noqa: F401 - registers tables
    from services.payments.outbox import models as _outbox  # noqa: F401
    from services.payments.reconciliation import models as _reconciliation  # noqa: F401

    return [GatewayBase.metadata, EntitlementBase.metadata, ClaimsBase.metadata, PaymentsBase.metadata,
            InteropBase.metadata]
