"""Client-side pacing: token buckets per endpoint and daily quotas (spec §4)."""

import threading
import time
from datetime import UTC, datetime

import pytest

from nestflow.cloudnest.errors import CloudNestConfigError, CloudNestQuotaExceeded
from nestflow.cloudnest.pacing import DailyQuota, Pacer, TokenBucket


class FakeTime:
    """A clock that only moves when something sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_bucket_spaces_requests_one_interval_apart():
    t = FakeTime()
    bucket = TokenBucket(5.0, clock=t.clock, sleep=t.sleep)
    sent = []
    for _ in range(6):
        bucket.acquire()
        sent.append(t.now)
    assert [round(b - a, 9) for a, b in zip(sent, sent[1:], strict=False)] == [0.2] * 5


def test_burst_allows_back_to_back_requests_then_paces():
    t = FakeTime()
    bucket = TokenBucket(5.0, burst=3, clock=t.clock, sleep=t.sleep)
    waits = [bucket.acquire() for _ in range(5)]
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert waits[3:] == pytest.approx([0.2, 0.2])


def test_idle_time_refills_but_not_beyond_the_burst():
    t = FakeTime()
    bucket = TokenBucket(5.0, burst=2, clock=t.clock, sleep=t.sleep)
    bucket.acquire()
    t.now += 60.0
    assert [bucket.acquire() for _ in range(3)] == pytest.approx([0.0, 0.0, 0.2])


def test_defer_holds_back_the_next_request():
    t = FakeTime()
    bucket = TokenBucket(5.0, clock=t.clock, sleep=t.sleep)
    bucket.acquire()
    bucket.defer(1.5)
    assert bucket.acquire() == pytest.approx(1.5)


def test_bucket_shared_by_8_threads_keeps_the_rate():
    bucket = TokenBucket(50.0)
    stamps: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(5):
            bucket.acquire()
            with lock:
                stamps.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stamps.sort()
    assert len(stamps) == 40
    # 40 requests at 50/s with burst 1 take at least 39 intervals; no 1 s window holds > 50+1.
    assert stamps[-1] - stamps[0] >= 39 / 50 - 0.01
    gaps = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
    assert sum(gaps) / len(gaps) >= 0.02 * 0.95


def test_pacer_uses_per_endpoint_rate_then_default():
    t = FakeTime()
    pacer = Pacer({"job_search": 2.0}, default_rate=10.0, clock=t.clock, sleep=t.sleep)
    assert pacer.rate_for("job_search") == 2.0 and pacer.rate_for("job_add") == 10.0
    pacer.acquire("job_search")
    assert pacer.acquire("job_search") == pytest.approx(0.5)
    pacer.acquire("job_add")
    assert pacer.acquire("job_add") == pytest.approx(0.1)


def test_endpoints_have_independent_buckets():
    t = FakeTime()
    pacer = Pacer(default_rate=1.0, clock=t.clock, sleep=t.sleep)
    pacer.acquire("job_search")
    assert pacer.acquire("job_info") == 0.0


def test_pacer_without_default_rate_leaves_other_endpoints_unpaced():
    t = FakeTime()
    pacer = Pacer({"job_add": 1.0}, default_rate=None, clock=t.clock, sleep=t.sleep)
    assert [pacer.acquire("job_info") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert pacer.bucket("job_info") is None


@pytest.mark.parametrize(
    "build",
    [
        lambda: TokenBucket(0.0),
        lambda: TokenBucket(1.0, burst=0),
        lambda: Pacer({"job_add": -1.0}),
        lambda: Pacer(default_rate=0.0),
        lambda: DailyQuota({"job_add": -1}),
    ],
    ids=["zero-rate", "zero-burst", "negative-endpoint-rate", "zero-default", "negative-quota"],
)
def test_invalid_limits_are_configuration_errors(build):
    with pytest.raises(CloudNestConfigError):
        build()


class FakeDay:
    def __init__(self) -> None:
        self.now = datetime(2024, 1, 1, 15, 0, tzinfo=UTC)  # 23:00 in Beijing

    def __call__(self) -> datetime:
        return self.now


def test_quota_refuses_before_sending_once_used_up():
    quota = DailyQuota({"job_add": 2}, now=FakeDay())
    quota.take("job_add", "job_add (POST /x)")
    quota.take("job_add", "job_add (POST /x)")
    with pytest.raises(CloudNestQuotaExceeded) as info:
        quota.take("job_add", "job_add (POST /x)")
    text = str(info.value)
    assert "job_add (POST /x)" in text and "2 calls/day" in text and "2024-01-01" in text
    assert quota.used("job_add") == 2 and quota.remaining("job_add") == 0


def test_quota_day_rolls_over_at_beijing_midnight():
    day = FakeDay()
    quota = DailyQuota(default=1, now=day)
    quota.take("job_info", "job_info")
    day.now = datetime(2024, 1, 1, 16, 0, tzinfo=UTC)  # 00:00 next day in Beijing
    assert quota.remaining("job_info") == 1
    quota.take("job_info", "job_info")


def test_untracked_endpoints_are_counted_but_never_refused():
    quota = DailyQuota({"job_add": 1})
    for _ in range(5):
        quota.take("job_info", "job_info")
    assert quota.used("job_info") == 5 and quota.remaining("job_info") is None


def test_exhaust_marks_an_endpoint_used_up_after_a_1008_answer():
    quota = DailyQuota()
    quota.exhaust("job_boost")
    with pytest.raises(CloudNestQuotaExceeded, match="the gateway's"):
        quota.take("job_boost", "job_boost")


def test_refund_uncounts_a_call_the_gateway_did_not_count():
    quota = DailyQuota({"job_add": 1})
    quota.take("job_add", "job_add")
    quota.refund("job_add")
    quota.take("job_add", "job_add")
    assert quota.used("job_add") == 1
