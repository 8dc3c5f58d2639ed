"""Part-in-part: smaller items nested inside the holes of larger ones before strip packing.

spyrrow 0.9 sees outer outlines only, so a hole is wasted unless something is put in it first.
Each copy of a host item (an item with holes) has its holes filled greedily with copies of other
items (:func:`~nestflow.nesting.gaps.fill_region`: bottom-left, largest first, every part kept
at ``max(spacing)`` from the hole edge and from its neighbours). The filled host becomes a rigid
*composite*: a prepared item with the host's outline, orientations and spacing that carries the
embedded parts; spyrrow places it by its outer outline, and the patterns expand it back into the
host and its embedded parts (:func:`~nestflow.nesting.patterns.expand`).

Orientations: a composite may take every orientation of its host, so an embedded part is posed
(relative to the host) only in a way that gives one of its own allowed orientations for *every*
host orientation; parts with no such pose are not embedded in that host.

Identical fillings are shared: a filling is repeated for as many host copies as the remaining
demand allows, then the next host copy is filled from what is left (a few composite types per
host at most).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace

import shapely
from shapely.geometry import Polygon

from nestflow.nesting.gaps import Pose, fill_region
from nestflow.nesting.inputs import EmbeddedPart, PreparedItem
from nestflow.nesting.patterns import PlacedPart
from nestflow.nesting.shapes import normalize_angle, same_angle


def plan_part_in_part(
    items: list[PreparedItem], pool: dict[int, int], placeable: Callable[[PreparedItem], bool]
) -> tuple[list[PreparedItem], dict[int, int]]:
    """Fill the holes of host copies with copies of smaller items.

    Args:
        items: Prepared (plain) items, indexed by their ``index``.
        pool: Copies to nest per item index.
        placeable: Whether an item fits some sheet (hosts that fit none are not filled, so
            their guests stay free to go elsewhere).

    Returns:
        The composite items (indices continuing after ``items``) and the pool over plain and
        composite indices: each composite copy takes one host copy and its embedded copies.
    """
    pool = dict(pool)
    composites: list[PreparedItem] = []
    hosts = [i for i in items if i.polygon.interiors and placeable(i)]
    for host in sorted(hosts, key=lambda i: -_largest_hole(i)):
        guests = _guest_poses(host, items, pool)
        while pool[host.index] > 0 and guests:
            filling = _fill_holes(host, items, guests, pool)
            if not filling:
                break
            counts = Counter(e.index for e in filling)
            repeat = min([pool[host.index]] + [pool[i] // n for i, n in counts.items()])
            composite = _composite(host, filling, len(items) + len(composites), items)
            composites.append(composite)
            pool[composite.index] = repeat
            pool[host.index] -= repeat
            for i, n in counts.items():
                pool[i] -= n * repeat
            guests = {i: poses for i, poses in guests.items() if pool[i] > 0}
    return composites, pool


def _largest_hole(item: PreparedItem) -> float:
    return max(Polygon(ring).area for ring in item.polygon.interiors)


def _guest_poses(
    host: PreparedItem, items: list[PreparedItem], pool: dict[int, int]
) -> dict[int, list[Pose]]:
    """Items that could go into ``host``'s holes, with their poses relative to the host."""
    room = _largest_hole(host)
    guests = {}
    for item in items:
        if item.index == host.index or pool[item.index] <= 0:
            continue
        if Polygon(item.polygon.exterior).area >= room:
            continue
        poses = relative_poses(host, item)
        if poses:
            guests[item.index] = poses
    return guests


def relative_poses(host: PreparedItem, guest: PreparedItem) -> list[Pose]:
    """Poses of ``guest`` in host coordinates allowed for every orientation the host may take.

    A guest at (a_e, f_e) in a host at (a_h, f_h) ends at (a_e + a_h, f_h) unmirrored, or at
    (a_e - a_h, not f_h) mirrored; its allowed orientations are solved for the first host
    angle and kept when they hold for all.
    """
    allowed = [(normalize_angle(o.angle), o.flip) for o in guest.item.orientations]
    first = host.angles[0]
    poses: list[Pose] = []
    for angle, flip in allowed:
        rel_flip = flip != host.flipped
        rel_angle = normalize_angle(angle + first if rel_flip else angle - first)
        if any(same_angle(rel_angle, a) and rel_flip == f for a, f in poses):
            continue
        if all(
            _allowed(allowed, _composed(rel_angle, rel_flip, a, host.flipped)) for a in host.angles
        ):
            poses.append((rel_angle, rel_flip))
    return poses


def _composed(angle: float, flip: bool, host_angle: float, host_flip: bool) -> Pose:
    """Sheet orientation of a part posed (angle, flip) in a host posed (host_angle, host_flip)."""
    return (angle - host_angle if flip else angle + host_angle), flip != host_flip


def _allowed(allowed: list[Pose], pose: Pose) -> bool:
    return any(flip == pose[1] and same_angle(angle, pose[0]) for angle, flip in allowed)


def _fill_holes(
    host: PreparedItem,
    items: list[PreparedItem],
    guests: dict[int, list[Pose]],
    pool: dict[int, int],
) -> list[EmbeddedPart]:
    """Fill one copy of ``host``'s holes from the remaining guest copies."""
    holes = shapely.union_all([Polygon(ring) for ring in host.polygon.interiors])
    itself = PlacedPart(host.index, 0.0, False, 0.0, 0.0, host.polygon)
    wanted = {i: pool[i] for i in guests}
    placed = fill_region(holes, [itself], wanted, items, guests)
    return [EmbeddedPart(p.index, p.angle, p.flip, p.x, p.y) for p in placed]


def _composite(
    host: PreparedItem, filling: list[EmbeddedPart], index: int, items: list[PreparedItem]
) -> PreparedItem:
    """A host copy carrying ``filling``: same outline for spyrrow, more net part area."""
    area = host.area + sum(items[e.index].area for e in filling)
    return replace(host, index=index, area=area, host=host.index, embedded=tuple(filling))
