"""The due time (001 SVIP管理制度 §二.(二).3): the tier's response time counted in the tenant's working
hours; outside them, from the next opening; no response time, by the end of the next working day."""
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.service.services import DEFAULT_HOURS, WorkingHours, due_at

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")

# 2026-11-25 is a Wednesday; 2026-11-27 a Friday; 2026-11-28/29 the weekend; 2026-11-30 a Monday.


def at(day, hh, mm=0, tz=SH):
    return datetime(2026, 11, day, hh, mm, tzinfo=tz)


def local(dt, tz=SH):
    assert dt.tzinfo is not None and dt.utcoffset() == timedelta(0), "due times are UTC"
    return dt.astimezone(tz).replace(tzinfo=None)


@pytest.mark.parametrize("received, minutes, expected", [
    (at(25, 10), 30, datetime(2026, 11, 25, 10, 30)),       # within hours: 30 minutes later
    (at(25, 9), 30, datetime(2026, 11, 25, 9, 30)),         # at opening exactly
    (at(25, 17, 0), 30, datetime(2026, 11, 25, 17, 30)),    # ends exactly at closing
    (at(25, 17, 20), 30, datetime(2026, 11, 26, 9, 20)),    # 10 min today, 20 min tomorrow
    (at(25, 17, 29), 30, datetime(2026, 11, 26, 9, 29)),
    (at(25, 17, 30), 30, datetime(2026, 11, 26, 9, 30)),    # closing time is outside hours
    (at(25, 20), 30, datetime(2026, 11, 26, 9, 30)),        # evening: next working day's opening + 30
    (at(25, 7), 30, datetime(2026, 11, 25, 9, 30)),         # before opening: that morning
    (at(27, 17, 20), 30, datetime(2026, 11, 30, 9, 20)),    # Friday 17:20 → Monday 09:20
    (at(27, 19), 30, datetime(2026, 11, 30, 9, 30)),        # Friday evening → Monday 09:30
    (at(28, 11), 30, datetime(2026, 11, 30, 9, 30)),        # Saturday → Monday 09:30
    (at(29, 23, 59), 30, datetime(2026, 11, 30, 9, 30)),    # Sunday night → Monday 09:30
    (at(25, 10), 120, datetime(2026, 11, 25, 12, 0)),       # VIP, 2 hours
    (at(25, 16), 120, datetime(2026, 11, 26, 9, 30)),       # 90 min today, 30 tomorrow
    (at(25, 10), 510, datetime(2026, 11, 26, 10, 0)),       # a full working day (8.5 h) later
    (at(27, 10), 3 * 510, datetime(2026, 12, 2, 10, 0)),    # three working days, over a weekend
])
def test_with_a_response_time(received, minutes, expected):
    assert local(due_at(received, minutes, DEFAULT_HOURS, SH)) == expected


@pytest.mark.parametrize("received, expected", [
    (at(25, 10), datetime(2026, 11, 26, 17, 30)),   # Wednesday → Thursday's closing
    (at(25, 7), datetime(2026, 11, 26, 17, 30)),    # before opening too: the next working day
    (at(25, 22), datetime(2026, 11, 26, 17, 30)),
    (at(27, 10), datetime(2026, 11, 30, 17, 30)),   # Friday → Monday
    (at(27, 20), datetime(2026, 11, 30, 17, 30)),
    (at(28, 10), datetime(2026, 11, 30, 17, 30)),   # Saturday → Monday
    (at(29, 10), datetime(2026, 11, 30, 17, 30)),   # Sunday → Monday
])
def test_without_a_response_time_the_end_of_the_next_working_day(received, expected):
    assert local(due_at(received, None, DEFAULT_HOURS, SH)) == expected


def test_the_local_day_counts_not_the_utc_day():
    # Monday 08:30 in Shanghai is Sunday 00:30 UTC: the request is early Monday, due 09:30 Monday
    received = datetime(2026, 11, 30, 0, 30, tzinfo=UTC) - timedelta(hours=8)
    assert received.astimezone(UTC).weekday() == 6  # Sunday in UTC
    assert local(due_at(received, 30, DEFAULT_HOURS, SH)) == datetime(2026, 11, 30, 9, 30)
    # Friday 17:20 Shanghai given in UTC (09:20Z) is the same request as in local time
    assert due_at(datetime(2026, 11, 27, 9, 20, tzinfo=UTC), 30, DEFAULT_HOURS, SH) == \
        due_at(at(27, 17, 20), 30, DEFAULT_HOURS, SH)


def test_a_tenant_in_another_time_zone():
    # New York, Friday 17:20 local (= Saturday 06:20 in Shanghai): Monday 09:20 New York time
    received = datetime(2026, 11, 27, 17, 20, tzinfo=NY)
    due = due_at(received, 30, DEFAULT_HOURS, NY)
    assert local(due, NY) == datetime(2026, 11, 30, 9, 20)
    assert due == datetime(2026, 11, 30, 14, 20, tzinfo=UTC)
    # the same instant for a Shanghai tenant is Saturday morning: Monday 09:30 Shanghai time
    assert local(due_at(received, 30, DEFAULT_HOURS, SH)) == datetime(2026, 11, 30, 9, 30)
    # Wednesday 10:00 in New York is 23:00 in Shanghai: in hours there, out of hours here
    wed = datetime(2026, 11, 25, 10, 0, tzinfo=NY)
    assert local(due_at(wed, 30, DEFAULT_HOURS, NY), NY) == datetime(2026, 11, 25, 10, 30)
    assert local(due_at(wed, 30, DEFAULT_HOURS, SH)) == datetime(2026, 11, 26, 9, 30)


def test_daylight_saving_weekend():
    # London moves to summer time on Sunday 29 March 2026: Monday 09:30 is 08:30 UTC, not 09:30
    friday_evening = datetime(2026, 3, 27, 18, 0, tzinfo=LONDON)
    due = due_at(friday_evening, 30, DEFAULT_HOURS, LONDON)
    assert due == datetime(2026, 3, 30, 8, 30, tzinfo=UTC)
    assert local(due, LONDON) == datetime(2026, 3, 30, 9, 30)


def test_holidays_and_extra_working_days():
    # National Day week 2026: 1–7 October closed; Saturday 10 October worked (调休)
    hours = WorkingHours(holidays=frozenset(date(2026, 10, d) for d in range(1, 8)),
                         workdays=frozenset({date(2026, 10, 10)}))
    sep30 = datetime(2026, 9, 30, 17, 20, tzinfo=SH)
    assert local(due_at(sep30, 30, hours, SH)) == datetime(2026, 10, 8, 9, 20)
    oct9 = datetime(2026, 10, 9, 17, 20, tzinfo=SH)  # Friday → the Saturday worked
    assert local(due_at(oct9, 30, hours, SH)) == datetime(2026, 10, 10, 9, 20)
    assert local(due_at(datetime(2026, 10, 3, 12, 0, tzinfo=SH), None, hours, SH)) == datetime(2026, 10, 8, 17, 30)


def test_other_hours_and_a_six_day_week():
    hours = WorkingHours(weekdays=frozenset({1, 2, 3, 4, 5, 6}), opens=time(8, 30), closes=time(18, 30))
    assert local(due_at(at(27, 18, 20), 30, hours, SH)) == datetime(2026, 11, 28, 8, 50)  # Saturday is worked
    assert local(due_at(at(28, 19), None, hours, SH)) == datetime(2026, 11, 30, 18, 30)


def test_refuses_what_it_cannot_reason_about():
    with pytest.raises(ValueError):
        due_at(datetime(2026, 11, 25, 10, 0), 30, DEFAULT_HOURS, SH)  # naive
    with pytest.raises(ValueError):
        due_at(at(25, 10), 30, WorkingHours(weekdays=frozenset()), SH)  # no working day ever
    with pytest.raises(ValueError):
        due_at(at(25, 10), 30, WorkingHours(opens=time(18), closes=time(9)), SH)


@given(received=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31),
                             timezones=st.just(UTC)),
       minutes=st.integers(min_value=1, max_value=3000),
       tz=st.sampled_from([SH, NY, LONDON]))
def test_properties(received, minutes, tz):
    """The due time is after the request, falls within working hours on a working day, and never
    gives more than the promised working minutes."""
    due = due_at(received, minutes, DEFAULT_HOURS, tz)
    assert due > received
    d = due.astimezone(tz)
    assert DEFAULT_HOURS.is_working_day(d.date()) and time(9, 0) < d.time() <= time(17, 30)
    # counting the working minutes between the two, minute by minute per day, gives back `minutes`
    total, day = timedelta(0), received.astimezone(tz).date()
    while day <= d.date():
        if DEFAULT_HOURS.is_working_day(day):
            o = datetime.combine(day, time(9, 0), tz).astimezone(UTC)
            c = datetime.combine(day, time(17, 30), tz).astimezone(UTC)
            lo, hi = max(o, received), min(c, due)
            if hi > lo:
                total += hi - lo
        day += timedelta(days=1)
    assert total == timedelta(minutes=minutes)
