"""Join loose pieces (LINE, ARC, open polylines) end to end into loops and open trails.

End points closer than the gap tolerance are one node (grid hashing, so the work grows linearly
with the number of pieces, unlike an exhaustive loop search). Each node then has a degree: 2 is
an ordinary joint; 1 is a loose end (an open contour); 3 or more is a branch (edges meeting at
one point, e.g. a line drawn across an outline). Pieces are walked node to node: pure cycles
become loops, the rest become trails between nodes of degree other than 2. Pieces that repeat
another piece exactly (the same line drawn twice, common in exported drawings) are dropped and
counted. Bulges stay exact: reversing a piece moves each bulge to the other end of its edge and
flips its sign.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from nestflow.geometry.entities import Piece, V

Point = tuple[float, float]

#: Consecutive vertices closer than this (mm) are one vertex (zero-length edges are dropped).
SAME_POINT = 1e-9


@dataclass
class Trail:
    """An open run of pieces between two nodes whose degree is not 2."""

    vertices: list[V]
    layer: str


@dataclass
class Chains:
    """The result of chaining: closed loops, open trails and the nodes that make trails."""

    loops: list[tuple[list[V], str]] = field(default_factory=list)
    trails: list[Trail] = field(default_factory=list)
    loose_ends: list[Point] = field(default_factory=list)
    branches: list[tuple[Point, int]] = field(default_factory=list)
    duplicates: int = 0


def reverse_open(vertices: list[V]) -> list[V]:
    """An open vertex list travelled backwards (each bulge moves to the edge's other end)."""
    n = len(vertices)
    return [
        (vertices[i][0], vertices[i][1], -vertices[i - 1][2] if i > 0 else 0.0)
        for i in range(n - 1, -1, -1)
    ]


def reverse_closed(vertices: list[V]) -> list[V]:
    """A closed vertex list travelled backwards, starting at the same vertex."""
    n = len(vertices)
    return [
        (vertices[(n - j) % n][0], vertices[(n - j) % n][1], -vertices[(n - j - 1) % n][2])
        for j in range(n)
    ]


def drop_repeats(vertices: list[V], closed: bool) -> list[V]:
    """Remove zero-length edges; the later vertex (and its outgoing bulge) is kept."""
    n = len(vertices)
    last = n if closed else n - 1
    kept = [
        v
        for i, v in enumerate(vertices)
        if i >= last or not _same(v, vertices[(i + 1) % n], SAME_POINT)
    ]
    return kept if len(kept) > 1 or not closed else []


def chain_pieces(pieces: list[Piece], tolerance: float) -> Chains:
    """Join pieces whose ends lie within ``tolerance`` (mm) into loops and trails.

    Closed pieces are loops as they are. Open pieces whose two ends meet are loops too.
    """
    result = Chains()
    open_pieces: list[Piece] = []
    for piece in pieces:
        if piece.closed:
            result.loops.append((drop_repeats(piece.vertices, True), piece.layer))
        elif len(piece.vertices) > 1 and not _is_point(piece.vertices, tolerance):
            open_pieces.append(piece)
    if open_pieces:
        _Graph(open_pieces, tolerance).walk(result)
    result.loops = [(vs, layer) for vs, layer in result.loops if vs]
    return result


def pair_gaps(ends: list[Point]) -> list[tuple[Point, Point]]:
    """Pair loose ends into gaps, nearest pairs first; an unpaired end pairs with itself."""
    candidates = sorted(
        (math.dist(ends[i], ends[j]), i, j)
        for i in range(len(ends))
        for j in range(i + 1, len(ends))
    )
    used: set[int] = set()
    gaps: list[tuple[Point, Point]] = []
    for _, i, j in candidates:
        if i not in used and j not in used:
            used.update((i, j))
            gaps.append((ends[i], ends[j]))
    gaps.extend((ends[i], ends[i]) for i in range(len(ends)) if i not in used)
    return gaps


def _same(a: V, b: V, tolerance: float) -> bool:
    return abs(a[0] - b[0]) <= tolerance and abs(a[1] - b[1]) <= tolerance


def _is_point(vertices: list[V], tolerance: float) -> bool:
    first = vertices[0]
    return all(math.dist(first[:2], v[:2]) <= tolerance for v in vertices[1:])


class _Graph:
    """Pieces as edges between end-point nodes."""

    def __init__(self, pieces: list[Piece], tolerance: float) -> None:
        self.pieces = pieces
        self.tolerance = tolerance
        ends = [p for piece in pieces for p in (piece.vertices[0], piece.vertices[-1])]
        self.node = _cluster(ends, tolerance)
        self.position = {self.node[k]: ends[k][:2] for k in range(len(ends) - 1, -1, -1)}
        self.adjacent: dict[int, list[int]] = defaultdict(list)
        self.used = [False] * len(pieces)

    def walk(self, result: Chains) -> None:
        self._link(result)
        degree = {node: len(edges) for node, edges in self.adjacent.items()}
        for node in sorted(degree):
            if degree[node] == 1:
                result.loose_ends.append(self.position[node])
            elif degree[node] > 2:
                result.branches.append((self.position[node], degree[node]))
        for node in sorted(degree):
            if degree[node] != 2:
                for i in self.adjacent[node]:
                    if not self.used[i]:
                        result.trails.append(self._trail(i, node, degree))
        for i in range(len(self.pieces)):
            if not self.used[i]:
                vertices = self._trail(i, self.node[2 * i], degree).vertices[:-1]
                result.loops.append((drop_repeats(vertices, True), self.pieces[i].layer))

    def _link(self, result: Chains) -> None:
        """Fill the adjacency; self-closing pieces become loops, exact repeats are dropped."""
        seen: dict[tuple[int, int], list[int]] = defaultdict(list)
        for i, piece in enumerate(self.pieces):
            a, b = self.node[2 * i], self.node[2 * i + 1]
            if a == b:
                self.used[i] = True
                result.loops.append((drop_repeats(piece.vertices[:-1], True), piece.layer))
                continue
            key = (min(a, b), max(a, b))
            if any(self._repeats(i, j) for j in seen[key]):
                self.used[i] = True
                result.duplicates += 1
                continue
            seen[key].append(i)
            self.adjacent[a].append(i)
            self.adjacent[b].append(i)

    def _repeats(self, i: int, j: int) -> bool:
        """Whether piece ``i`` is the same geometry as piece ``j`` (either direction)."""
        vi, vj = self.pieces[i].vertices, self.pieces[j].vertices
        if len(vi) != len(vj):
            return False
        if self.node[2 * i] != self.node[2 * j]:
            vj = reverse_open(vj)
        pairs = zip(vi, vj, strict=True)
        return all(_same(a, b, self.tolerance) and abs(a[2] - b[2]) <= 1e-9 for a, b in pairs)

    def _oriented(self, i: int, node: int) -> list[V]:
        """Piece ``i`` leaving ``node``, its ends moved onto their nodes' common positions.

        Every piece meeting at a node then shares one point, so a gap within tolerance closes
        at a single vertex (the first end point seen at that node).
        """
        vertices = self.pieces[i].vertices
        start, end = self.node[2 * i], self.node[2 * i + 1]
        (x0, y0), (x1, y1) = self.position[start], self.position[end]
        snapped = [(x0, y0, vertices[0][2]), *vertices[1:-1], (x1, y1, vertices[-1][2])]
        return snapped if start == node else reverse_open(snapped)

    def _trail(self, first: int, start: int, degree: dict[int, int]) -> Trail:
        """Walk from ``start`` along piece ``first`` until a node of degree != 2 or back home."""
        vertices: list[V] = []
        i, node = first, start
        while True:
            self.used[i] = True
            run = self._oriented(i, node)
            vertices.extend(run[:-1])
            node = self.node[2 * i + 1] if self.node[2 * i] == node else self.node[2 * i]
            if node == start or degree[node] != 2:
                break
            nxt = [j for j in self.adjacent[node] if not self.used[j]]
            if not nxt:
                break
            i = nxt[0]
        vertices.append(run[-1])
        return Trail(drop_repeats(vertices, False), self.pieces[first].layer)


def _cluster(points: list[V], tolerance: float) -> list[int]:
    """Node id of each point: points within ``tolerance`` (transitively) share one id."""
    parent = list(range(len(points)))

    def find(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    cell = max(tolerance, SAME_POINT)
    limit = tolerance * tolerance
    grid: dict[tuple[int, int], list[int]] = defaultdict(list)
    for k, (x, y, _) in enumerate(points):
        cx, cy = math.floor(x / cell), math.floor(y / cell)
        for gx in (cx - 1, cx, cx + 1):
            for gy in (cy - 1, cy, cy + 1):
                for other in grid.get((gx, gy), ()):
                    ox, oy = points[other][0], points[other][1]
                    if (x - ox) ** 2 + (y - oy) ** 2 <= limit:
                        parent[find(k)] = find(other)
        grid[(cx, cy)].append(k)
    return [find(k) for k in range(len(points))]
