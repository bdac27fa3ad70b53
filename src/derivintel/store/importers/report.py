"""What an import did: rows read and rows newly inserted per table, and notes (conversions, skipped columns)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class ImportReport:
    """Mutable tally filled while importing. ``inserted`` < ``read`` means rows were already stored."""

    files: list[str] = field(default_factory=list)
    read: dict[str, int] = field(default_factory=dict)
    inserted: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, table: str, read: int, inserted: int) -> None:
        self.read[table] = self.read.get(table, 0) + read
        self.inserted[table] = self.inserted.get(table, 0) + inserted

    @property
    def total_inserted(self) -> int:
        return sum(self.inserted.values())

    def summary(self) -> str:
        parts = [f"{t}: {self.inserted.get(t, 0)} new of {n} read" for t, n in sorted(self.read.items())]
        return f"{len(self.files)} file(s); " + ("; ".join(parts) if parts else "nothing read")
