"""Imports every table of the claims schema (for migrations' autogenerate and checks)."""

from services.claims.audit.models import ClaimEvent
from services.claims.calendar.models import CalendarAlarm, CalendarDay, CalendarYear
from services.claims.hospitals.models import Hospital
from services.claims.intake.models import Claim, ClaimDocument
from services.claims.invoices.models import InvoiceUse
from services.claims.locks.models import ReviewLock
from services.claims.outbox.models import OutboxMessage, SentNotification
from services.claims.reductions.models import HospitalStatement, ReductionNotice

__all__ = ["Hospital", "HospitalStatement", "ReductionNotice", "CalendarAlarm", "CalendarDay", "CalendarYear", "Claim",
           "ClaimDocument", "ClaimEvent", "InvoiceUse", "OutboxMessage", "ReviewLock", "SentNotification"]
