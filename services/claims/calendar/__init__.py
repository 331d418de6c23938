"""Official working-day calendar (工作日) for the claim review and payment clocks."""

from services.claims.calendar.workdays import PACKAGE_YEARS, CalendarNotCovered, WorkingCalendar

__all__ = ["PACKAGE_YEARS", "CalendarNotCovered", "WorkingCalendar"]
