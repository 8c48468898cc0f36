"""The scope-of-work measures of the vendor scorecards: bids answered and won, what the won work
came to against its quotes, and whether agreed visits finished the vendor's lines in their window.

Each function gives a subquery of figures per vendor (``vendor_id``) over the turns that
``where`` keeps (the report's filters, period and the caller's scope, as conditions on
``turns``). The caller's role reads bids, scope lines and visits as it reads their turns (RLS),
so the figures count what the caller may see.

Bids (migration 0021). Requests that were cancelled are left out: nobody could win them.

- *requested*: the vendor's invitations;
- *quoted*: answered with prices (``submitted_at`` set, not declined), whatever came of them;
- *declined*: answered with a refusal;
- *unanswered*: no answer while one was possible: the due date passed, or the request was
  awarded to another vendor first;
- *awaiting*: not answered yet, and still open and not due;
- *awarded*: won; the win rate is awarded / quoted.

Quote to actual: the won quotes' total against the current amount of the lines those bids
covered, while they carry the winner (lines removed from a scope left out). Other lines the
manager gave the vendor on the same turn were never quoted, so they are not counted.

Visits (migration 0022). A visit counts once its window is agreed (ACCEPTED or DONE);
proposed, countered and cancelled visits do not. Its lines are the vendor's lines on its turn
(the schema does not tie a line to a visit). It is *measured* once it can be judged: every line
is done, or the window has ended. It is *on time* when every line was done by the window's last
day (``scope_lines.done_at`` as a date), else late by the days from that last day to the last
line's completion, or to today while a line is still open. A visit on a turn where the vendor has
no line is scheduled but not measured; when a vendor's work on a turn is split over several
visits, the earlier ones are late unless they finished every line.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Date, Subquery, and_, case, cast, func, or_, select

from turns.db.tables import bid_request_lines, bid_requests, bids, scope_lines, turns, vendor_visits
from turns.reports.aggregates import rounded, share

Where = Sequence[ColumnElement[bool]]
TODAY = func.current_date()

ANSWERED = bids.c.submitted_at.is_not(None)
QUOTED = and_(ANSWERED, bids.c.status != "DECLINED")
OVERDUE = bid_requests.c.due_date < TODAY
UNANSWERED = and_(~ANSWERED, or_(bids.c.status == "LOST", and_(bids.c.status == "INVITED", OVERDUE)))
AWAITING = and_(~ANSWERED, bids.c.status == "INVITED", ~OVERDUE)
WON = bids.c.status == "AWARDED"
AGREED = ("ACCEPTED", "DONE")


def bid_figures(where: Where) -> Subquery:
    """Invitations by how they were answered, and the won quotes' total."""
    return (
        select(
            bids.c.vendor_id,
            func.count().label("bids_requested"),
            func.count().filter(QUOTED).label("bids_quoted"),
            func.count().filter(bids.c.status == "DECLINED").label("bids_declined"),
            func.count().filter(UNANSWERED).label("bids_unanswered"),
            func.count().filter(AWAITING).label("bids_awaiting"),
            func.count().filter(WON).label("bids_awarded"),
            func.sum(bids.c.total).filter(WON).label("awarded_quotes"),
        )
        .select_from(
            bids.join(bid_requests, bid_requests.c.id == bids.c.request_id).join(turns, turns.c.id == bids.c.turn_id)
        )
        .where(bid_requests.c.status != "CANCELLED", *where)
        .group_by(bids.c.vendor_id)
        .subquery("bid_figures")
    )


def awarded_work(where: Where) -> Subquery:
    """The current amount of the lines each won bid covered, while they carry the winner (each
    line once; lines removed from a scope left out)."""
    line = and_(
        scope_lines.c.id == bid_request_lines.c.scope_line_id,
        scope_lines.c.vendor_id == bids.c.vendor_id,
        scope_lines.c.removed_at.is_(None),
    )
    covered = (
        select(bids.c.vendor_id, scope_lines.c.id, scope_lines.c.amount)
        .distinct()
        .select_from(
            bids.join(turns, turns.c.id == bids.c.turn_id)
            .join(bid_request_lines, bid_request_lines.c.request_id == bids.c.request_id)
            .join(scope_lines, line)
        )
        .where(WON, *where)
        .subquery("covered")
    )
    return (
        select(covered.c.vendor_id, func.sum(covered.c.amount).label("awarded_actual"))
        .group_by(covered.c.vendor_id)
        .subquery("awarded_work")
    )


def visit_figures(where: Where) -> Subquery:
    """Agreed visits, done, measured, on time, and how late the late ones were on average."""
    work = (
        select(
            scope_lines.c.turn_id,
            scope_lines.c.vendor_id,
            func.count().label("lines"),
            func.count(scope_lines.c.done_at).label("done"),
            func.max(cast(scope_lines.c.done_at, Date)).label("last_done"),
        )
        .select_from(scope_lines.join(turns, turns.c.id == scope_lines.c.turn_id))
        .where(scope_lines.c.removed_at.is_(None), scope_lines.c.vendor_id.is_not(None), *where)
        .group_by(scope_lines.c.turn_id, scope_lines.c.vendor_id)
        .subquery("work")
    )
    finished = work.c.done == work.c.lines
    measured = and_(work.c.lines.is_not(None), or_(finished, vendor_visits.c.ends_on < TODAY))
    on_time = and_(finished, work.c.last_done <= vendor_visits.c.ends_on)
    late = and_(measured, ~on_time)
    days_late = func.coalesce(case((finished, work.c.last_done)), TODAY) - vendor_visits.c.ends_on
    visits = vendor_visits.join(turns, turns.c.id == vendor_visits.c.turn_id).outerjoin(
        work, and_(work.c.turn_id == vendor_visits.c.turn_id, work.c.vendor_id == vendor_visits.c.vendor_id)
    )
    return (
        select(
            vendor_visits.c.vendor_id,
            func.count().label("visits_scheduled"),
            func.count().filter(vendor_visits.c.status == "DONE").label("visits_done"),
            func.count().filter(measured).label("visits_measured"),
            func.count().filter(on_time).label("visits_on_time"),
            share(func.count().filter(on_time), func.count().filter(measured)).label("visit_on_time_rate"),
            rounded(func.avg(days_late).filter(late)).label("average_days_late"),
        )
        .select_from(visits)
        .where(vendor_visits.c.status.in_(AGREED), *where)
        .group_by(vendor_visits.c.vendor_id)
        .subquery("visit_figures")
    )
