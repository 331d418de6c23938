"""Every table of the interop schema, imported so the metadata is complete (Alembic, tests)."""

from services.interop.evidence import models as evidence  # noqa: F401
from services.interop.inbound import models as inbound  # noqa: F401
from services.interop.outbox import models as outbox  # noqa: F401
from services.interop.partners import models as partners  # noqa: F401
from services.interop.signatures import models as signatures  # noqa: F401
from services.interop.statements import models as statements  # noqa: F401
