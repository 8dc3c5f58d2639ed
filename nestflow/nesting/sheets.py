"""The sheet-filling loop: turns one-strip spyrrow solves into layouts of finite sheets.

Per sheet format, in request order, while sheets and fitting parts remain:

1. If everything left could fit one sheet, strip-pack it all; when the used length fits the sheet
   it is the last sheet (its length is the strip length found). This is anytime, with a stop
   rule (:meth:`SheetPlanner._fit_everything`): short attempts with new seeds, doubling, until
   everything fits (a near miss or a starved attempt is tried again while time remains); then
   the sheet count is minimal and one more solve shortens the used length unless it is within
   2 % of its provable bound (outline area / height, the widest part).
2. Otherwise fill one sheet: pick a subset with an area budget ``rho * sheet area``, proportional
   to the remaining demand and capped so it can still repeat (see :func:`select_subset`),
   strip-pack it and test the used length. Fitting raises ``rho``, overflowing lowers it
   (bisection on the bracket of densities seen so far); an overflow by under 1.5 % is retried once
   with another seed. An overflowing layout still yields a candidate: its parts lying within the
   sheet. The candidate with the most part area wins.
3. Multiplicity: the accepted pattern is cut ``q = min(remaining_i // pattern_i)`` times (bounded
   by the sheets left) and reported once with ``quantity = q``; its gaps are then topped up with
   remaining parts (``gaps.insert_parts``) as long as all q copies can have them.
4. Time: a pattern gets the remaining time times (sheets it covers) / (sheets still needed), so
   a pattern cut 3 times earns 3 sheets' worth of search. Short of time (under ~2 s per sheet
   still to fill), everything left is strip-packed once and cut into sheet-long windows, each
   window's cut gaps refilled with parts from the strip's far end; windows with the same part
   counts are merged into one pattern. A single spyrrow call never gets more than 2 s per part.

5. Repair: a layout overflowing its sheet keeps the parts lying within the sheet, and the copies
   beyond it are tried in the room left on the sheet (``gaps.insert_parts``) before the layout
   is judged; exact fits (tilings) are often found this way when spyrrow stops just too long.
6. Part-in-part (:mod:`nestflow.nesting.holes`): before any solve, host copies get smaller parts
   in their holes and are nested as composites. After the last sheet, composites still in the
   pool are given back as their parts, and every copy still unplaced is tried in the room left
   on every sheet layout (a final free-room search), so no copy is reported "no sheet left"
   while a greedy search finds a spot for it.

Strip formats (``length=None``) take every fitting part in one solve. Defects: parts touching a
defect (or closer than their own spacing) are evicted from a pattern and re-inserted elsewhere on
the sheet when there is room, else they go back to the pool (next sheet); on a strip they are
packed again after the used length, beyond all defects if needed.
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from shapely.geometry import Polygon

from nestflow.nesting.gaps import insert_parts
from nestflow.nesting.holes import plan_part_in_part
from nestflow.nesting.inputs import PreparedItem, SheetFrame
from nestflow.nesting.models import SolverLayout, Unplaced
from nestflow.nesting.patterns import (
    FIT_TOLERANCE,
    Pattern,
    PlacedPart,
    defect_polygons,
    multiplicity,
    place_solution,
    split_defect_conflicts,
    take_window,
)
from nestflow.nesting.strip import StripItem, solve_strip

LOG = logging.getLogger(__name__)

#: Density assumed for a sheet before any solve on its format.
INITIAL_DENSITY = 0.85
#: Density used to estimate how many sheets remain (for the time split).
PLANNING_DENSITY = 0.85
#: Below this many seconds per sheet still to fill, switch to one strip cut into windows.
MIN_SECONDS_PER_SHEET = 2.0
#: A strip solve gets at most this many seconds per part (but at least MIN_SECONDS_CAP).
SECONDS_PER_PART = 2.0
MIN_SECONDS_CAP = 4.0
#: The first attempt at fitting everything on one sheet: seconds per part (at least
#: MIN_FIT_SECONDS); each further attempt doubles it, up to the cap above.
FIT_SECONDS_PER_PART = 0.25
MIN_FIT_SECONDS = 2.0
#: An attempt that got its CPU and overflowed the sheet by more than this fraction of its length
#: ends the attempts to fit everything on one sheet.
FAR_MISS = 0.2
#: A last sheet used within this fraction of its provable lower bound is not solved again.
LENGTH_SLACK = 0.02
#: Gap filling may run this many seconds past the deadline (the fast path runs near it).
OVERRUN = 0.5
#: An overflow by at most this fraction of the sheet length is retried once with another seed.
NEAR_MISS = 0.015
#: Stop bisecting the density once the bracket is this narrow.
DENSITY_RESOLUTION = 0.01


class Clock:
    """Wall-clock budget of one solve."""

    def __init__(self, seconds: float) -> None:
        self._deadline = time.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left (negative once overdue)."""
        return self._deadline - time.monotonic()


@dataclass
class _Bracket:
    """Densities known to fit / to overflow one sheet of a format."""

    start: float = INITIAL_DENSITY
    fit: float | None = None
    fail: float | None = None

    def next_target(self) -> float | None:
        """Next density to try, or None once the bracket is narrow enough."""
        if self.fit is None and self.fail is None:
            return self.start
        if self.fail is None:
            return min(0.99, self.fit + 0.02)
        if self.fit is None:
            return max(0.05, self.fail - 0.03)
        if self.fail - self.fit < DENSITY_RESOLUTION:
            return None
        return (self.fit + self.fail) / 2


@dataclass
class SheetPlanner:
    """Runs the sheet-filling loop for one request (one instance per solve: no shared state).

    Attributes:
        items: Prepared items in request order.
        frames: Sheet formats in request order.
        clock: The overall time budget.
        seed: Base seed (each spyrrow call gets ``seed + k``), None for random.
        report: Progress callback taking short messages.
        part_in_part: Nest smaller items inside the holes of larger ones.
    """

    items: list[PreparedItem]
    frames: list[SheetFrame]
    clock: Clock
    seed: int | None
    report: Callable[[str], None]
    part_in_part: bool = True
    pool: dict[int, int] = field(init=False)
    results: list[tuple[Pattern, int]] = field(init=False, default_factory=list)
    abandoned: list[SheetFrame] = field(init=False, default_factory=list)
    solves: int = field(init=False, default=0)
    cpu_used: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self.pool = {i.index: i.item.quantity for i in self.items}
        if self.part_in_part:
            composites, self.pool = plan_part_in_part(self.items, self.pool, self._placeable)
            self.items = self.items + composites

    # ------------------------------------------------------------------ public

    def run(self) -> tuple[list[SolverLayout], list[Unplaced]]:
        """Nest everything possible and explain what is left."""
        for frame in self.frames:
            if frame.sheet.length is None:
                self._nest_strip(frame)
            else:
                self._nest_sheets(frame)
        self._fill_empty_hosts()
        self._release_composites()
        self._place_leftovers()
        nestings = [pattern.settled().to_nesting(q, self.items) for pattern, q in self.results]
        return nestings, self._unplaced()

    # ------------------------------------------------------------- bookkeeping

    def _placeable(self, item: PreparedItem) -> bool:
        return any(frame.fitting_rotations(item) for frame in self.frames)

    def _fill_empty_hosts(self) -> None:
        """Put unplaced composites in the place of placed host copies whose holes stayed empty.

        A composite has its host's outline, so it fits exactly where the plain copy lies; this
        keeps the parts planned for its holes when the sheet loop placed the empty copy instead.
        """
        waiting = [u for u in self.items if u.host is not None and self.pool[u.index] > 0]
        for k, (pattern, quantity) in enumerate(self.results):
            parts = list(pattern.parts)
            for n, part in enumerate(parts):
                unit = next(
                    (u for u in waiting if u.host == part.index and self.pool[u.index] >= quantity),
                    None,
                )
                if unit is None or not _holes_empty(pattern, part, self.items):
                    continue
                parts[n] = replace(part, index=unit.index)
                self.pool[unit.index] -= quantity
                self.pool[part.index] += quantity
            self.results[k] = (Pattern(pattern.frame, tuple(parts)), quantity)

    def _release_composites(self) -> None:
        """Give composites left unplaced back to the pool as their host and embedded copies."""
        for unit in self.items:
            left = self.pool[unit.index]
            if unit.host is None or left <= 0:
                continue
            self.pool[unit.index] = 0
            self.pool[unit.host] += left
            for embedded in unit.embedded:
                self.pool[embedded.index] += left

    def _place_leftovers(self) -> None:
        """Try every copy still unplaced in the room left on every sheet layout.

        A layout cut q times takes a copy only if q copies are left. Strips are skipped: they
        already took every part fitting them.
        """
        for k, (pattern, quantity) in enumerate(self.results):
            if pattern.frame.sheet.length is None:
                continue
            eligible = self._eligible(pattern.frame)
            wanted = {i: n // quantity for i, n in eligible.items() if n >= quantity}
            if not wanted:
                continue
            filled = self._insert(pattern, wanted, lambda: self.clock.remaining() < -OVERRUN)
            for i, n in (filled.counts - pattern.counts).items():
                self.pool[i] -= n * quantity
            self.results[k] = (filled, quantity)

    def _eligible(self, frame: SheetFrame) -> dict[int, int]:
        return {
            i: n for i, n in self.pool.items() if n > 0 and frame.fitting_rotations(self.items[i])
        }

    def _shape_area(self, counts: dict[int, int]) -> float:
        return sum(self.items[i].shape_area * n for i, n in counts.items())

    def _record(self, pattern: Pattern, quantity: int) -> None:
        for i, n in pattern.counts.items():
            self.pool[i] -= n * quantity
        first = sum(q for _, q in self.results) + 1
        self.results.append((pattern, quantity))
        frame = pattern.frame
        used = (
            frame.usable_area
            if frame.usable_length is not None
            else (pattern.used_length - frame.min_x) * frame.usable_height
        )
        share = 100 * pattern.area(self.items) / used if used > 0 else 0.0
        label = f"sheet {first}" if quantity == 1 else f"sheets {first}-{first + quantity - 1}"
        self.report(
            f"{label} ({frame.describe()}): {len(pattern.parts)} parts, "
            f"{share:.1f} %, used length {pattern.used_length:.1f}"
        )

    def _unplaced(self) -> list[Unplaced]:
        unplaced = []
        for item in self.items:
            left = self.pool[item.index]
            if left <= 0 or item.host is not None:
                continue
            unplaced.append(Unplaced(item_id=item.item_id, count=left, reason=self._reason(item)))
        return unplaced

    def _reason(self, item: PreparedItem) -> str:
        fitting = [f for f in self.frames if f.fitting_rotations(item)]
        if not fitting:
            w, h = _outline_size(item)
            sizes = "; ".join(f.describe() for f in self.frames)
            return (
                f"too large: the {w:g} x {h:g} outline (with spacing {item.item.spacing:g}) fits "
                f"no sheet in its allowed orientations: {sizes}"
            )
        blocked = [f for f in fitting if f in self.abandoned]
        if blocked:
            names = ", ".join(f"sheet {f.sheet.id}" for f in blocked)
            return f"could not be placed clear of the defects of {names}; no sheet left"
        return "no sheet left"

    def _seed(self) -> int | None:
        self.solves += 1
        if self.seed is None:
            return None
        return (self.seed + self.solves - 1) % 2**64

    # ------------------------------------------------------------------ solves

    def _strip_solve(self, frame: SheetFrame, counts: dict[int, int], seconds: float) -> Pattern:
        keyed = {str(i): self.items[i] for i, n in counts.items() if n > 0}
        strip_items = [
            StripItem(key, item.shape.tolist(), counts[item.index], frame.fitting_rotations(item))
            for key, item in keyed.items()
        ]
        # Small instances stop improving long before a generous budget runs out.
        cap = self._cap(sum(counts.values()))
        whole = max(1, int(min(seconds, cap) + 0.5))
        solution = solve_strip(strip_items, frame.strip_height, whole, seed=self._seed())
        self.cpu_used += solution.cpu_seconds
        pattern = Pattern(frame, tuple(place_solution(solution, keyed, frame)))
        LOG.debug(
            "strip solve on %s: %d parts, %s, %d s budget, %.1f s taken, used length %.1f",
            frame.describe(),
            sum(counts.values()),
            (
                f"outline area {self._shape_area(counts) / _strip_area(frame):.3f} of one sheet"
                if frame.usable_length
                else "strip"
            ),
            whole,
            solution.seconds,
            pattern.used_length,
        )
        return pattern

    # ------------------------------------------------------------------ strips

    def _nest_strip(self, frame: SheetFrame) -> None:
        counts = self._eligible(frame)
        if not counts:
            return
        seconds = self._time_share(counts)
        pattern = self._strip_solve(frame, counts, seconds)
        pattern = self._clear_strip_defects(pattern)
        self._record(pattern, 1)

    def _clear_strip_defects(self, pattern: Pattern) -> Pattern:
        """Re-pack parts evicted by defects after the used length until no defect is hit."""
        frame = pattern.frame
        spacing = max((i.item.spacing for i in self.items), default=0.0)
        for attempt in range(4):
            before = pattern.counts
            pattern = self._clear_defects(pattern, max_x=pattern.used_length)
            missing = before - pattern.counts
            if not missing:
                return pattern
            start = pattern.used_length + spacing
            if attempt == 3:
                # Last resort: beyond every defect, where nothing can be hit.
                start = max([start] + [d.bounds[2] + spacing for d in defect_polygons(frame)])
            extra = self._strip_solve(frame, dict(missing), 1)
            shift = start - min(p.min_x for p in extra.parts) + 1e-3
            pattern = Pattern(frame, pattern.parts + tuple(p.shifted(shift) for p in extra.parts))
        return pattern

    def _clear_defects(self, pattern: Pattern, max_x: float | None = None) -> Pattern:
        """Evict parts hitting a defect and put them back elsewhere on the sheet if possible."""
        pattern, evicted = split_defect_conflicts(pattern, self.items)
        if not evicted:
            return pattern
        wanted = Counter(p.index for p in evicted)
        return self._insert(pattern, wanted, lambda: False, max_x=max_x)

    def _insert(
        self,
        pattern: Pattern,
        wanted: Mapping[int, int],
        out_of_time: Callable[[], bool],
        max_x: float | None = None,
    ) -> Pattern:
        """:func:`~nestflow.nesting.gaps.insert_parts` with this solve's part-in-part setting."""
        return insert_parts(
            pattern, wanted, self.items, out_of_time, max_x=max_x, into_holes=self.part_in_part
        )

    def _time_share(self, counts: dict[int, int]) -> float:
        total = self._shape_area({i: n for i, n in self.pool.items() if n > 0})
        share = self._shape_area(counts) / total if total > 0 else 1.0
        return max(1.0, self.clock.remaining() * share)

    # ------------------------------------------------------------------ sheets

    def _nest_sheets(self, frame: SheetFrame) -> None:
        left = frame.sheet.quantity
        start = INITIAL_DENSITY
        while left > 0:
            counts = self._eligible(frame)
            if not counts:
                return
            sheets_needed = self._sheets_needed(frame)
            remaining = self.clock.remaining()
            if remaining < MIN_SECONDS_PER_SHEET * min(math.ceil(sheets_needed), left):
                used = self._nest_windows(frame, counts, left, remaining)
                if not used:
                    return
                left -= used
                continue
            bracket = _Bracket(start=start)
            pattern = self._fill_sheet(frame, counts, bracket, left)
            start = bracket.fit or bracket.start
            pattern = self._clear_defects(pattern)
            if not pattern.parts:
                self.abandoned.append(frame)
                return
            quantity = multiplicity(pattern, self.pool, left)
            pattern = self._top_up(pattern, quantity)
            self._record(pattern, quantity)
            left -= quantity

    def _sheets_needed(self, frame: SheetFrame) -> float:
        """Sheets of ``frame`` the remaining parts need, as a fraction (time is shared by area)."""
        area = self._shape_area({i: n for i, n in self.pool.items() if n > 0})
        return area / (PLANNING_DENSITY * _strip_area(frame))

    def _top_up(self, pattern: Pattern, quantity: int) -> Pattern:
        """Fill the gaps of a pattern cut ``quantity`` times with parts still in the pool."""
        frame = pattern.frame
        counts = pattern.counts
        wanted = {
            i: (n - quantity * counts.get(i, 0)) // quantity
            for i, n in self._eligible(frame).items()
        }
        wanted = {i: n for i, n in wanted.items() if n > 0}
        if not wanted:
            return pattern
        return self._insert(pattern, wanted, lambda: self.clock.remaining() < 0.5)

    def _nest_windows(
        self, frame: SheetFrame, counts: dict[int, int], left: int, seconds: float
    ) -> int:
        """Fast path: one strip for everything, cut into sheet-long windows.

        The gaps each window leaves at its cut are refilled with parts from the far end of the
        strip, which shortens the last window. Windows with the same part counts are merged into
        one pattern with a quantity.

        Returns:
            The number of sheets used (0 when defects left no part on any window).
        """
        rest = list(self._strip_solve(frame, counts, max(1.0, seconds)).parts)
        windows: list[Pattern] = []
        while rest and len(windows) < left:
            window, rest = take_window(rest, frame)
            window = self._clear_defects(window)
            if rest:
                window, rest = self._refill(window, rest)
            if window.parts:
                windows.append(window)
        if not windows:
            self.abandoned.append(frame)
            return 0
        groups: dict[tuple[tuple[int, int], ...], list[Pattern]] = {}
        for window in windows:
            groups.setdefault(tuple(sorted(window.counts.items())), []).append(window)
        last_key = tuple(sorted(windows[-1].counts.items()))
        ordered = sorted(groups.items(), key=lambda kv: kv[0] == last_key)
        for _, group in ordered:
            self._record(min(group, key=lambda p: p.used_length), len(group))
        return len(windows)

    def _refill(self, window: Pattern, rest: list[PlacedPart]) -> tuple[Pattern, list[PlacedPart]]:
        """Insert copies of the strip's leftover parts into ``window``; drop them from the tail."""
        wanted = Counter(p.index for p in rest)
        filled = self._insert(window, wanted, lambda: self.clock.remaining() < -OVERRUN)
        added = Counter(p.index for p in filled.parts[len(window.parts) :])
        keep = []
        for part in sorted(rest, key=lambda p: -p.max_x):
            if added[part.index] > 0:
                added[part.index] -= 1
            else:
                keep.append(part)
        return filled, keep

    def _fill_sheet(
        self, frame: SheetFrame, counts: dict[int, int], bracket: _Bracket, left: int
    ) -> Pattern:
        """Best single-sheet pattern found in this sheet's share of the time.

        The share is the remaining time times (sheets this pattern covers) / (sheets still
        needed): a pattern that will be cut q times earns q sheets' worth of search.
        """
        started = time.monotonic()
        total_time = self.clock.remaining()
        # Sheets beyond the ones left of this format need no time kept for them here.
        needed = max(1.0, min(self._sheets_needed(frame), left))

        def time_left(fit: Pattern | None) -> float:
            covers = min(max(multiplicity(fit, self.pool, left), 1) if fit else 1, needed)
            # Keep a second for whatever comes after this pattern (at least one more solve).
            spare = total_time - (1.0 if covers < needed else 0.0)
            budget = spare * covers / needed
            return min(budget - (time.monotonic() - started), self.clock.remaining())

        capacity = _strip_area(frame)
        total = self._shape_area(counts)
        best: Pattern | None = None
        best_fit: Pattern | None = None
        if total <= 0.98 * capacity:
            share = 1.0 if total <= PLANNING_DENSITY * capacity else 0.5
            best = self._fit_everything(frame, counts, lambda: time_left(None) * share)
            if best.counts == Counter(counts):
                return best
            bracket.fail = min(bracket.fail or 1.0, total / capacity)
        tried: set[tuple[tuple[int, int], ...]] = set()
        retry: dict[int, int] | None = None
        retried: set[tuple[tuple[int, int], ...]] = set()
        while best is None or time_left(best_fit) >= 1.0:
            if retry is not None:
                subset, retry = retry, None
            else:
                target = bracket.next_target()
                subset = target and self._untried_subset(
                    counts, target * capacity, capacity, bracket, tried, left
                )
                if not subset:
                    break
                tried.add(_key(subset))
            seconds = time_left(best_fit)
            pattern = self._strip_solve(frame, subset, seconds * (0.6 if seconds >= 5 else 1.0))
            near_miss = _near_miss(pattern)
            if not pattern.fits_length():
                pattern = self._repair(pattern, subset)
            complete = pattern.counts == Counter(subset)
            fits = self._judge(complete, self._shape_area(subset) / capacity, bracket)
            if fits and (best_fit is None or pattern.area(self.items) > best_fit.area(self.items)):
                best_fit = pattern
            elif not fits and near_miss and _key(subset) not in retried:
                # Just too long: the same parts often fit with another seed.
                retry = subset
                retried.add(_key(subset))
            if best is None or pattern.area(self.items) > best.area(self.items):
                best = pattern
        return best

    def _fit_everything(
        self, frame: SheetFrame, counts: dict[int, int], seconds: Callable[[], float]
    ) -> Pattern:
        """Strip-pack all of ``counts`` on one sheet: anytime, with a stop rule.

        Attempts, each with a new seed, go on while ``seconds()`` allows until every copy fits:
        when the budget exceeds what one solve may use, the first is short
        (:data:`FIT_SECONDS_PER_PART` per part) and each further one twice as long up to the
        per-part cap (:meth:`_cap`); otherwise the first gets the whole budget. An attempt that
        got its CPU and overflowed by more than :data:`FAR_MISS` of the sheet length ends the
        search (the parts most likely need another sheet); a near miss or a starved attempt (a
        loaded machine) is tried again.

        Stop rule: once everything fits, the sheet count is minimal for these parts (one), so
        only the used length can improve; one more solve with all the time left, up to the cap,
        is made unless the used length is already within :data:`LENGTH_SLACK` of its lower bound
        (:meth:`_length_bound`) or the last attempt already had the cap. (A shorter cap for this
        solve, 1 s per part, left a 60 s budget 10 % unused and job150's last sheet 1,501 mm
        against 947 mm before: the offcut is worth the time the caller gave.)

        Returns:
            The most part area found on the sheet (complete when everything fitted; among
            complete layouts the shortest).
        """
        parts = sum(counts.values())
        cap = self._cap(parts)
        attempt = min(cap, max(MIN_FIT_SECONDS, FIT_SECONDS_PER_PART * parts))
        if seconds() < cap + attempt:
            # The budget is no more than one full solve (the cap) and a short one: one search
            # gets all of it, as one long spyrrow search packs tighter than two short ones (a
            # short first attempt here left job150's last sheet at 1,497 mm at 60 s against
            # 947-1,077 mm before). Short attempts are for budgets beyond what one solve uses.
            attempt = min(cap, seconds())
        length = frame.usable_length or 0.0
        best: Pattern | None = None
        while True:
            pattern, starved = self._solve_whole(frame, counts, min(attempt, seconds()))
            overflow = pattern.used_length - frame.max_x
            best = self._better(best, pattern, counts)
            if best.counts == Counter(counts) or seconds() < 1:
                break
            if overflow > FAR_MISS * length and not starved:
                break
            attempt = min(cap, 2 * attempt)
        complete = best.counts == Counter(counts)
        bound = self._length_bound(frame, counts)
        short_enough = best.used_length - frame.min_x <= (1 + LENGTH_SLACK) * bound
        if complete and attempt < cap and not short_enough and seconds() >= 1:
            pattern, _ = self._solve_whole(frame, counts, min(cap, seconds()))
            best = self._better(best, pattern, counts)
        return best

    def _solve_whole(
        self, frame: SheetFrame, counts: dict[int, int], seconds: float
    ) -> tuple[Pattern, bool]:
        """One strip solve of ``counts`` repaired onto the sheet, and whether it was starved.

        Starved: the solve got under half a CPU for its wall time (other work took the rest).
        """
        cpu = self.cpu_used
        started = time.monotonic()
        pattern = self._strip_solve(frame, counts, seconds)
        starved = self.cpu_used - cpu < 0.5 * (time.monotonic() - started)
        if pattern.used_length - frame.max_x > FIT_TOLERANCE:
            pattern = self._repair(pattern, counts)
        return pattern, starved

    def _better(self, best: Pattern | None, pattern: Pattern, counts: dict[int, int]) -> Pattern:
        """The better of two layouts of ``counts``: complete first, then shorter, else more area."""
        if best is None:
            return pattern
        whole = Counter(counts)
        if (pattern.counts == whole) != (best.counts == whole):
            return pattern if pattern.counts == whole else best
        if pattern.counts == whole:
            return pattern if pattern.used_length < best.used_length else best
        return pattern if pattern.area(self.items) > best.area(self.items) else best

    def _length_bound(self, frame: SheetFrame, counts: dict[int, int]) -> float:
        """A used length (from the sheet's left border gap) no layout of ``counts`` undercuts.

        The solver strip holding them is at least their outline area over the strip height long,
        and at least the widest part's narrowest extent over its allowed rotations; the parts'
        own extent is that strip less the outlines' growth at both ends.
        """
        area = self._shape_area(counts) / frame.strip_height
        widest = max(_least_width(self.items[i], frame) for i in counts)
        return max(area, widest) - 2 * frame.expansion

    @staticmethod
    def _cap(parts: int) -> float:
        """Most seconds one strip solve of ``parts`` copies gets (small ones stop improving)."""
        return max(MIN_SECONDS_CAP, SECONDS_PER_PART * parts)

    def _repair(self, pattern: Pattern, counts: dict[int, int]) -> Pattern:
        """The parts of an overflowing layout lying within the sheet, plus its other copies.

        The copies beyond the sheet go wherever they fit in the room left on it.
        """
        kept = pattern.prefix()
        missing = Counter(counts) - kept.counts
        return self._insert(kept, missing, lambda: self.clock.remaining() < 0.5)

    @staticmethod
    def _judge(fits: bool, density: float, bracket: _Bracket) -> bool:
        """Pass ``fits`` (every copy of a subset placed) through, narrowing the density bracket."""
        if fits:
            bracket.fit = max(bracket.fit or 0.0, density)
            if bracket.fail is not None and bracket.fail <= bracket.fit:
                bracket.fail = None
            return True
        bracket.fail = min(bracket.fail or 1.0, density)
        if bracket.fit is not None and bracket.fit >= bracket.fail:
            bracket.fit = None
        return False

    def _untried_subset(
        self,
        counts: dict[int, int],
        target_area: float,
        capacity: float,
        bracket: _Bracket,
        tried: set[tuple[tuple[int, int], ...]],
        left: int,
    ) -> dict[int, int] | None:
        """A subset near ``target_area`` not solved yet, nudged one small copy at a time."""
        step = min(self.items[i].shape_area for i in counts)
        upward = bracket.fit is not None or bracket.fail is None
        ceiling = math.inf if bracket.fail is None else bracket.fail * capacity
        for _ in range(8):
            subset = select_subset(self.items, counts, target_area, left)
            if tuple(sorted(subset.items())) not in tried:
                return subset
            target_area += step if upward else -step
            if not 0 < target_area < ceiling:
                return None
        return None


def select_subset(
    items: list[PreparedItem], counts: dict[int, int], target_area: float, sheets_left: int = 1
) -> dict[int, int]:
    """Pick copies worth about ``target_area`` of solver outline area.

    Each item first gets its proportional share of the remaining demand. Copies are then added
    round-robin, largest first, while the budget allows: first without exceeding
    ``demand // repeat`` per item, where ``repeat`` is how many such sheets the demand fills (so
    the pattern can still be cut ``repeat`` times), then without that cap. At least one copy is
    always picked. Among equal outlines the one with more net part area (a host carrying parts
    in its holes) goes first.

    Args:
        items: Prepared items.
        counts: Remaining copies per item index.
        target_area: Solver outline area to aim for.
        sheets_left: Sheets of the format still available (bounds ``repeat``).
    """
    total = sum(items[i].shape_area * n for i, n in counts.items())
    fraction = min(1.0, target_area / total) if total > 0 else 1.0
    repeat = max(1, min(sheets_left, math.floor(1 / fraction)))
    subset = {i: math.floor(n * fraction) for i, n in counts.items()}
    area = sum(items[i].shape_area * n for i, n in subset.items())
    # Same outline, more parts first: a host carrying parts in its holes before an empty one.
    order = sorted(counts, key=lambda i: (-items[i].shape_area, -items[i].area))
    for caps in ({i: max(n // repeat, subset[i]) for i, n in counts.items()}, counts):
        added = True
        while added:
            added = False
            for i in order:
                if subset[i] < caps[i] and area + items[i].shape_area <= target_area:
                    subset[i] += 1
                    area += items[i].shape_area
                    added = True
    if area <= 0:
        subset[order[0]] = 1
    return {i: n for i, n in subset.items() if n > 0}


def _holes_empty(pattern: Pattern, host: PlacedPart, items: list[PreparedItem]) -> bool:
    """Whether no other part of ``pattern`` lies inside ``host``'s outer outline (its holes)."""
    shell = Polygon(host.geometry.exterior)
    return not any(
        shell.contains(piece.geometry.representative_point())
        for piece in pattern.pieces(items)
        if piece is not host
    )


def _key(counts: dict[int, int]) -> tuple[tuple[int, int], ...]:
    """Hashable form of a part selection."""
    return tuple(sorted(counts.items()))


def _near_miss(pattern: Pattern) -> bool:
    """Whether an overflowing pattern is longer than its sheet by at most :data:`NEAR_MISS`."""
    frame = pattern.frame
    length = frame.usable_length or 0.0
    return pattern.used_length <= frame.max_x + NEAR_MISS * length


def _strip_area(frame: SheetFrame) -> float:
    length = frame.usable_length
    assert length is not None
    return (length + 2 * frame.expansion) * frame.strip_height


def _outline_size(item: PreparedItem) -> tuple[float, float]:
    minx, miny, maxx, maxy = item.polygon.bounds
    return round(maxx - minx, 3), round(maxy - miny, 3)


def _least_width(item: PreparedItem, frame: SheetFrame) -> float:
    """The narrowest x extent of ``item``'s solver outline over its rotations on ``frame``."""
    points = item.shape
    widths = []
    for angle in frame.fitting_rotations(item):
        c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        xs = [c * x - s * y for x, y in points]
        widths.append(max(xs) - min(xs))
    return min(widths, default=0.0)
