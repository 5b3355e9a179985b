"""A migration operation that changes the database only, through a function of a cursor."""

from collections.abc import Callable
from typing import Any

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import ProjectState

CursorAction = Callable[[Any], None]


class DatabaseOnlyOperation(migrations.operations.base.Operation):
    """Runs :meth:`forwards` or :meth:`backwards` with a cursor; Django's model state is
    the same on every server, so it is left as it is.

    A dry run (``sqlmigrate``, ``rtx-migrate -dry-run``) cannot know the SQL, which depends
    on the server: Django shows :meth:`describe`, in either direction, and says the
    operation cannot be written as SQL.
    """

    reversible = True
    reduces_to_sql = False

    def __init__(self, name: str) -> None:
        self.name = name

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return type(self).__qualname__, [self.name], {}

    def forwards(self, cursor: Any) -> None:
        raise NotImplementedError

    def backwards(self, cursor: Any) -> None:
        raise NotImplementedError

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        pass

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        self._run(schema_editor, self.forwards)

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        self._run(schema_editor, self.backwards)

    @staticmethod
    def _run(schema_editor: BaseDatabaseSchemaEditor, action: CursorAction) -> None:
        with schema_editor.connection.cursor() as cursor:
            action(cursor)
