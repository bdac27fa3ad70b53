"""What an import did: rows read, newly inserted and replaced per table, rows dropped with their reasons, notes."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class ImportReport:
    """Mutable tally filled while importing. ``inserted`` < ``read`` means rows were already stored (unchanged or,
    counted in ``replaced``, stored with different values and overwritten). ``dropped`` counts the rows of the input
    that were not stored, by reason."""

    files: list[str] = field(default_factory=list)
    read: dict[str, int] = field(default_factory=dict)
    inserted: dict[str, int] = field(default_factory=dict)
    replaced: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, table: str, read: int, inserted: int) -> None:
        """Count a write: ``inserted`` as returned by the store (its ``replaced`` attribute, when present, too)."""
        self.read[table] = self.read.get(table, 0) + read
        self.inserted[table] = self.inserted.get(table, 0) + int(inserted)
        self.replaced[table] = self.replaced.get(table, 0) + int(getattr(inserted, "replaced", 0))

    def drop(self, reason: str, rows: int) -> None:
        """Count ``rows`` input rows not stored because of ``reason``."""
        if rows:
            self.dropped[reason] = self.dropped.get(reason, 0) + rows

    @property
    def total_inserted(self) -> int:
        return sum(self.inserted.values())

    @property
    def total_replaced(self) -> int:
        return sum(self.replaced.values())

    def summary(self) -> str:
        parts = []
        for t, n in sorted(self.read.items()):
            rep = self.replaced.get(t, 0)
            parts.append(f"{t}: {self.inserted.get(t, 0)} new" + (f", {rep} replaced" if rep else "") + f" of {n} read")
        line = f"{len(self.files)} file(s); " + ("; ".join(parts) if parts else "nothing read")
        if self.dropped:
            why = ", ".join(f"{n} {reason}" for reason, n in sorted(self.dropped.items()))
            line += f"; {sum(self.dropped.values())} row(s) dropped ({why})"
        return line
