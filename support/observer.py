"""Another connection, outside every session under test: it sees only what has been committed."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError


@dataclass
class Observer:
    connection: Connection  # AUTOCOMMIT, no pool: each statement is its own transaction

    def scalar(self, sql: str, **parameters):
        return self.connection.execute(text(sql), parameters).scalar()

    def rows(self, sql: str, **parameters) -> list[tuple]:
        return [tuple(row) for row in self.connection.execute(text(sql), parameters)]

    def employee_email(self, employee_id: int) -> str | None:
        return self.scalar("SELECT email FROM employees WHERE id = :id", id=employee_id)

    def store_employee(self, employee_id: int, email: str, name: str = "Employee") -> None:
        self.connection.execute(
            text("INSERT INTO employees (id, name, email) VALUES (:id, :name, :email)"),
            {"id": employee_id, "name": f"{name} {employee_id}", "email": email},
        )

    def store_employees(self, employee_ids) -> None:
        self.connection.execute(
            text("INSERT INTO employees (id, name, email) VALUES (:id, :name, :email)"),
            [{"id": n, "name": f"Employee {n}", "email": f"employee{n}@corp.example"} for n in employee_ids],
        )

    def commit_employee_email(self, employee_id: int, email: str) -> None:
        """Another application (or another request's connection) changes the row and commits."""
        updated = self.connection.execute(
            text("UPDATE employees SET email = :email WHERE id = :id"), {"email": email, "id": employee_id}
        ).rowcount
        assert updated == 1, f"employee {employee_id} does not exist"

    def store_shop_order(self, order_id: int, state: str) -> None:
        self.connection.execute(
            text("INSERT INTO shop_orders (id, state) VALUES (:id, :state)"), {"id": order_id, "state": state}
        )

    def shop_orders(self) -> dict[int, str]:
        """Every stored shop order: id -> state."""
        return dict(self.rows("SELECT id, state FROM shop_orders"))

    def can_lock_shop_order(self, order_id: int) -> bool:
        """Whether a row lock on the order can be taken at once (and released: AUTOCOMMIT)."""
        try:
            self.connection.execute(
                text("SELECT id FROM shop_orders WHERE id = :id FOR UPDATE NOWAIT"), {"id": order_id}
            )
        except OperationalError as error:
            # PostgreSQL's words; InnoDB's codes: MariaDB's NOWAIT answers 1205 (lock wait timeout), MySQL's 3572
            if "could not obtain lock" in str(error) or getattr(error.orig, "args", (None,))[0] in (1205, 3572):
                return False
            raise
        return True

    def sessions_of_the_scenario(self) -> list[tuple[str, str]]:
        """(state, application_name) of every other connection to the suite's database."""
        return self.rows(
            "SELECT state, application_name FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND application_name <> 'spec-harness' AND backend_type = 'client backend'"
        )
