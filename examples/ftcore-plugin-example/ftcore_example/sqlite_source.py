"""The ``sqlite`` source: rows of a SELECT statement on a SQLite file opened read-only."""

import sqlite3

from ftcore.api import RunError, Source, SourceRow


class SqliteSource(Source):
    """Each result row becomes ``{column: value}``; the file is opened read-only, so a query cannot change it."""

    def read(self, args, ctx):
        """Run the query and stream its rows."""
        shown, query = args["path"], args["query"]
        if not query.lstrip().lower().startswith(("select", "with")):
            raise RunError(f"{shown}: the query must be a SELECT statement", 'for example query: "SELECT text, label '
                                                                              'FROM tickets"')
        uri = ctx.paths["path"].resolve().as_uri() + "?mode=ro"
        try:
            connection = sqlite3.connect(uri, uri=True)
        except sqlite3.Error as exc:
            raise RunError(f"{shown}: cannot open the database: {exc}") from None
        try:
            cursor = connection.execute(query)
            columns = [c[0] for c in cursor.description or ()]
            for number, values in enumerate(cursor, 1):
                yield SourceRow(f"{shown}#{number}", dict(zip(columns, values)))
        except sqlite3.Error as exc:
            raise RunError(f"{shown}: the query failed: {exc}", "try it in the sqlite3 shell first") from None
        finally:
            connection.close()
