"""Scenarios can fail. Request boundary: every broken-setup scenario fails once its fix is applied, and every
fixed-setup scenario fails once the fix is taken away. Cascades: every scenario a flip names fails once the
relationship, the family or the step it depends on is swapped for one that behaves otherwise. Savepoint rollback:
every scenario fails once its verdict (clean or leaked, committed or lost) is swapped. The features are copied,
flipped in the copy, and the copy runs against a real server, on the SQLAlchemy of the tests' environment
(a flip that describes other versions only is left out there)."""

import re
import shutil
from pathlib import Path

import pytest
import sqlalchemy

from tests.helpers.flips import (
    ROOT,
    Flip,
    assert_flipped_fail_and_others_pass,
    for_this_sqlalchemy,
    run_area_copy,
)

AREA = "request_boundary"

NEVER = "scoped session is never removed"
REMOVED = "scoped session is removed at the end of each request"
NO_REMOVE, YES_REMOVE = "| scoped session removed at teardown | no |", "| scoped session removed at teardown | yes |"
PLAIN_READ = "reads employee 42 through its scoped session"

FLIPS = [
    Flip("scoped_session_outliving_its_request", "A referenced employee is served stale, and no SQL is sent for it", NEVER, REMOVED),
    Flip("scoped_session_outliving_its_request", "An employee nothing references any more is read again, and is fresh",
         "And employee 42 has been served by a request",
         "And the application holds on to the employees it has served\n      And employee 42 has been served by a request"),
    Flip("scoped_session_outliving_its_request", "Removed at teardown, the session's successor reads the committed email", REMOVED, NEVER),
    *[
        Flip("when_a_read_is_stale", "The next request on the thread reads employee 42 through the session", row, flipped)
        for row, flipped in [
            ("| READ COMMITTED | on | left its transaction open | the application still references employee 42 | old@corp.example | no SQL |",
             "| READ COMMITTED | on | committed its transaction | the application still references employee 42 | old@corp.example | no SQL |"),
            ("| READ COMMITTED | off | committed its transaction | the application still references employee 42 | old@corp.example | no SQL |",
             "| READ COMMITTED | on | committed its transaction | the application still references employee 42 | old@corp.example | no SQL |"),
            ("| REPEATABLE READ | on | left its transaction open | the application still references employee 42 | old@corp.example | no SQL |",
             "| REPEATABLE READ | on | committed its transaction | the application still references employee 42 | old@corp.example | no SQL |"),
            ("| REPEATABLE READ | on | left its transaction open | nothing references employee 42 any more | old@corp.example | one SELECT of employee 42 |",
             "| REPEATABLE READ | on | committed its transaction | nothing references employee 42 any more | old@corp.example | one SELECT of employee 42 |"),
            ("| READ COMMITTED | on | left its transaction open | nothing references employee 42 any more | new@corp.example | one SELECT of employee 42 |",
             "| READ COMMITTED | on | left its transaction open | the application still references employee 42 | new@corp.example | one SELECT of employee 42 |"),
            ("| READ COMMITTED | on | committed its transaction | the application still references employee 42 | new@corp.example | one SELECT of employee 42 |",
             "| READ COMMITTED | on | left its transaction open | the application still references employee 42 | new@corp.example | one SELECT of employee 42 |"),
            ("| REPEATABLE READ | on | committed its transaction | the application still references employee 42 | new@corp.example | one SELECT of employee 42 |",
             "| REPEATABLE READ | on | left its transaction open | the application still references employee 42 | new@corp.example | one SELECT of employee 42 |"),
        ]
    ],
    Flip("when_a_read_is_stale", "An entity query on a stale session", "runs a SELECT of the entity for employee 42",
         'reads employee 42 with "select().execution_options(populate_existing=True)"'),
    Flip("when_a_read_is_stale", "A column query on a stale session", "| READ COMMITTED | new@corp.example |", "| REPEATABLE READ | new@corp.example |"),
    Flip("when_a_read_is_stale", "A column query on a stale session", "| REPEATABLE READ | old@corp.example |", "| READ COMMITTED | old@corp.example |"),
    Flip("refreshing_a_stale_session", "expire_all() before the read", "expires everything in its session and reads employee 42", PLAIN_READ),
    Flip("refreshing_a_stale_session", "refresh() of the object", "refreshes employee 42 and reads it", PLAIN_READ),
    *[
        Flip("refreshing_a_stale_session", "Reading with populate_existing", f"| {spelling} |", "| Session.get() |")
        for spelling in [
            "Query.populate_existing()",
            "Query.execution_options(populate_existing=True)",
            "Session.get(populate_existing=True)",
            "select().execution_options(populate_existing=True)",
            "Session.execute(select(), execution_options={populate_existing: True})",
        ]
    ],
    Flip("refreshing_a_stale_session", "Before 2.1, Session.get() ignores populate_existing given in execution_options",
         '"Session.get(execution_options={populate_existing: True})"', '"Session.get(populate_existing=True)"'),
    Flip("refreshing_a_stale_session", "Since 2.1, Session.get() honours populate_existing given in execution_options",
         '"Session.get(execution_options={populate_existing: True})"', '"Session.get()"'),
    Flip("session_per_request_context_manager", "Closed without a commit, the kept object still answers, with the old value and no SQL",
         "that request's context manager closed the session without a commit", "that request committed and its context manager closed the session"),
    Flip("session_per_request_context_manager", "Committed before closing, the kept object is expired and cannot be read",
         "that request committed and its context manager closed the session", "that request's context manager closed the session without a commit"),
    Flip("what_a_session_never_removed_costs", "Never removed, the connection is left idle in transaction", NEVER, REMOVED),
    Flip("what_a_session_never_removed_costs", "Removed at teardown, the connection goes back to the pool with its transaction ended", REMOVED, NEVER),
    Flip("what_a_session_never_removed_costs", "Never removed, the third thread waits for a connection that never comes back", NEVER, REMOVED),
    Flip("what_a_session_never_removed_costs", "Removed at teardown, the same threads share the pool", REMOVED, NEVER),
    Flip("what_a_session_never_removed_costs", "Two hundred requests for different employees on one thread",
         "| never removed | the application holds on to the employees it has served | 200 |",
         "| removed at the end of each request | the application holds on to the employees it has served | 200 |"),
    Flip("what_a_session_never_removed_costs", "Two hundred requests for different employees on one thread",
         "| never removed | the application lets go of the employees it has served | 0 |",
         "| never removed | the application holds on to the employees it has served | 0 |"),
    Flip("what_a_session_never_removed_costs", "Two hundred requests for different employees on one thread",
         "| removed at the end of each request | the application holds on to the employees it has served | 0 |",
         "| never removed | the application holds on to the employees it has served | 0 |"),
    Flip("threaded_servers", "Never removed, the read after an update on the same thread is stale and sends no SQL", NO_REMOVE, YES_REMOVE),
    Flip("threaded_servers", "Removed at teardown, the read after an update is fresh", YES_REMOVE, NO_REMOVE),
    Flip("threaded_servers", "A new thread gets a new session, even though none is ever removed",
         "by Flask's development server, a new thread per request:", "by gunicorn with --threads 1:"),
    Flip("threaded_servers", "Four server threads, four clients, never removed", NO_REMOVE, YES_REMOVE),
    Flip("threaded_servers", "Four server threads, four clients, removed at teardown", YES_REMOVE, NO_REMOVE),
    Flip("fastapi_session_per_request", "Background",
         "| a new session for every request | yes |", "| a new session for every request | no |"),
    *[
        Flip("when_a_read_is_stale", "The next request on the thread reads employee 42 through the session", row, row.replace(ended, "left its transaction open"))
        for ended, row in [
            (ended, f"| {isolation} | on | {ended} | the application still references employee 42 | new@corp.example | BEGIN, then one SELECT of employee 42 |")
            for isolation, ended in [
                ("READ COMMITTED", "rolled back its transaction"),
                ("REPEATABLE READ", "rolled back its transaction"),
                ("READ COMMITTED", "closed its session, without remove()"),
                ("REPEATABLE READ", "closed its session, without remove()"),
                ("READ COMMITTED", "closed its session in a with block, without remove()"),
            ]
        ]
    ],
    Flip("when_a_read_is_stale", "The legacy Query behaves as the entity select",
         "runs the legacy Query, filter_by().one(), for employee 42", 'reads employee 42 with "Query.populate_existing()"'),
    Flip("when_a_read_is_stale", "get() after a column query that returned the new email",
         "the application still references employee 42", "nothing references employee 42 any more"),
    Flip("when_a_read_is_stale", "A change left unflushed keeps the object in the identity map after the application lets go",
         "the earlier request changed the name of employee 42 without flushing", "the earlier request left its transaction open"),
    # at REPEATABLE READ set on the engine, the transaction left open reads its old snapshot
    Flip("when_a_read_is_stale", "At the server's own default isolation, the transaction left open reads the committed row once nothing references the employee",
         "Given a scoped session", "Given a scoped session at REPEATABLE READ isolation, expire_on_commit on"),
    *[
        Flip("one_session_per_thread", "Closing the session between two requests, without remove()", f"| {closed} |", "| committed its transaction |")
        for closed in ["closed its session, without remove()", "closed its session in a with block, without remove()"]
    ],
    Flip("refreshing_a_stale_session", "expire() of the object before the read", "expires employee 42 and reads it", PLAIN_READ),
    *[
        Flip(feature, "Ending the transaction, then get()", f"| {ends} |", "| flushes |")
        for feature in ["refreshing_a_stale_session", "refreshing_inside_a_repeatable_read_transaction"]
        for ends in ["commits", "rolls back", "closes its session"]
    ],
    Flip("refreshing_a_stale_session", "A flush does not end the transaction, so get() still answers from the identity map",
         "flushes, then reads employee 42", "commits, then reads employee 42"),
    *[
        Flip("refreshing_inside_a_repeatable_read_transaction", "Reloading employee 42 without ending the transaction",
             f"| {reloads} |", "| commits, then reads employee 42 |")
        for reloads in [
            "expires everything in its session and reads employee 42",
            "expires employee 42 and reads it",
            "refreshes employee 42 and reads it",
            'reads employee 42 with "Session.get(populate_existing=True)"',
            'reads employee 42 with "select().execution_options(populate_existing=True)"',
            'reads employee 42 with "Query.populate_existing()"',
        ]
    ],
    Flip("session_per_request_context_manager", "sessionmaker.begin() commits at the end of the block, so the kept object cannot be read",
         "an earlier request read employee 42 inside sessionmaker.begin(), which committed and closed it",
         "an earlier request read employee 42 in a session-per-request context manager\n"
         "      And that request's context manager closed the session without a commit"),
    Flip("what_a_session_never_removed_costs", "The thread has ended, the collector has not run: the connection is still idle in transaction", NEVER, REMOVED),
    Flip("what_a_session_never_removed_costs", "Once the collector has run, the pool has rolled the connection back and taken it in, silently",
         "When the garbage collector runs", "When a request for employee 42 is served on a thread that then ends"),
]  # fmt: skip

# Scenarios with no broken/fixed setup to flip: they state how the registry behaves.
UNFLIPPED = {("one_session_per_thread", "Two calls on one thread, one on another"),
             ("one_session_per_thread", "Removing the session between two requests")}  # fmt: skip

FUTURE_14 = "Given a 1.4 session made with future=True has loaded user 1\n      "  # 2.0's cascade, on 1.4
BACKREF_LINK = "a new person has been linked to user 1 through the backref side, Person.user"

CASCADE_FLIPS = [
    # the user's cascade deletes, the order's unlinks: with the order's statements, only "deleted" can fail
    *[
        Flip("deleting_a_parent", "Deleting a user deletes its persons", before, after)
        for before, after in [
            ("user 1 with persons 10 and 11 is stored", "order 1 with order lines 10 and 11 is stored"),
            ("a session has loaded user 1", "a session has loaded order 1"),
            ("deletion of user 1", "deletion of order 1"),
            ("| SELECT | persons |", "| SELECT | order_lines |"),
            ("| DELETE | persons |", "| UPDATE | order_lines |"),
            ("| DELETE | users |", "| DELETE | orders |"),
            ("sees persons 10 and 11 deleted", "sees order lines 10 and 11 deleted"),
        ]
    ],
    # the folder's "all, delete" deletes loaded children, the album's default cascade unlinks them
    *[
        Flip("deleting_a_parent", "Children already loaded: the Session deletes them itself", before, after)
        for before, after in [
            ("folder 1 with documents 10 and 11 is stored", "album 1 with photos 10 and 11 is stored"),
            ("a session has loaded folder 1", "a session has loaded album 1"),
            ("the documents of folder 1", "the photos of album 1"),
            ("deletion of folder 1", "deletion of album 1"),
            ("| DELETE | documents |", "| UPDATE | photos |"),
            ("| DELETE | folders |", "| DELETE | albums |"),
            ("sees documents 10 and 11 deleted", "sees photos 10 and 11 deleted"),
        ]
    ],
    # the cart's delete-orphan deletes a child taken out of the collection
    *[
        Flip("deleting_a_parent", "Without delete-orphan, a person taken out of its user's persons is kept, unlinked", before, after)
        for before, after in [
            ("user 1 with persons 10 and 11 is stored", "cart 1 with cart items 10 and 11 is stored"),
            ("a session has loaded user 1", "a session has loaded cart 1"),
            ("person 10 has been removed from the persons of user 1", "cart item 10 has been removed from the cart items of cart 1"),
            ("| UPDATE | persons |", "| DELETE | cart_items |"),
            ("these persons, and the user each belongs to:", "these cart items, and the cart each belongs to:"),
        ]
    ],
    # a nullable key takes the pending orphan, a NOT NULL one refuses it
    *[
        Flip("deleting_a_parent", "A new member added without a team is inserted with no team", before, after)
        for before, after in [
            ("team 1 is stored", "cart 1 is stored"),
            ("a session has loaded team 1", "a session has loaded cart 1"),
            ("a new member 12 that belongs to no team", "a new cart item 12 that belongs to no cart"),
            ("| INSERT | members |", "| INSERT | cart_items |"),
            ("these members, and the team each belongs to:", "these cart items, and the cart each belongs to:"),
        ]
    ],
    *[
        Flip("deleting_a_parent", "A new cart item added without a cart is refused by the NOT NULL key, not by the cascade", before, after)
        for before, after in [
            ("cart 1 is stored", "team 1 is stored"),
            ("a session has loaded cart 1", "a session has loaded team 1"),
            ("a new cart item 12 that belongs to no cart", "a new member 12 that belongs to no team"),
            ("| INSERT | cart_items |", "| INSERT | members |"),
            ("cart_items.cart_id may not be NULL", "members.team_id may not be NULL"),
        ]
    ],
    # loaded photos are unlinked by the Session, so ON DELETE CASCADE never reaches them
    Flip("deleting_a_parent", "Photos not loaded: one DELETE, and the database deletes the photos",
         "| DELETE | albums |", "| UPDATE | photos |\n        | DELETE | albums |"),
    Flip("deleting_a_parent", "Photos not loaded: one DELETE, and the database deletes the photos",
         "When the session commits", "And the session has loaded the photos of album 1\n      When the session commits"),
    Flip("deleting_a_parent", "Photos already loaded: the Session unlinks them, and they survive the album",
         "And the session has loaded the photos of album 1", "And user 2 is stored"),
    Flip("autoflush_before_queries", "exec_driver_sql() on the session's connection does not see the pending user, on every version",
         'runs "SELECT count(*) FROM users" with exec_driver_sql() on its connection', "runs an ORM query for all users"),
    # 2.0: what the person does depends on how it was linked
    Flip("objects_linked_through_a_backref", "Since 2.0, linking leaves the person outside the session",
         "is linked to user 1 through the backref side, Person.user", "is appended to the persons of user 1"),
    Flip("objects_linked_through_a_backref", "Since 2.0, the person stays out of the session and is not inserted",
         BACKREF_LINK, "a new person has been appended to the persons of user 1"),
    Flip("objects_linked_through_a_backref", "Since 2.0, reading the persons after linking finds none, and it is that read's autoflush that warns",
         BACKREF_LINK, "a new person linked to user 1 has been added to the session explicitly"),
    Flip("objects_linked_through_a_backref", "Since 2.0, a flush after that read sends nothing and warns nothing",
         "And the session has loaded the persons of user 1", "And user 2 is stored"),
    Flip("objects_linked_through_a_backref", "Appending puts the person into the session at once",
         "is appended to the persons of user 1", "is linked to user 1 through the backref side, Person.user", describes=">=2.0"),
    # 1.4: the notice is shown by the first linking of the process, so without the earlier one this one shows it
    Flip("objects_linked_through_a_backref", "1.4 shows its generic notice once per process: a second linking warns nothing",
         "And " + BACKREF_LINK, "And user 2 is stored"),
    # 1.4: a future session has 2.0's cascade; SQLALCHEMY_WARN_20 names the change instead of the generic notice
    Flip("objects_linked_through_a_backref", "Before 2.0, linking alone puts the person into the session",
         "When a new person is linked", FUTURE_14 + "When a new person is linked"),
    Flip("objects_linked_through_a_backref", "Before 2.0, the person joins the session and the flush inserts it",
         "Given " + BACKREF_LINK, FUTURE_14 + "And " + BACKREF_LINK),
    Flip("objects_linked_through_a_backref", "Before 2.0, reading the persons after linking autoflushes the person and finds it",
         "Given " + BACKREF_LINK, FUTURE_14 + "And " + BACKREF_LINK),
    *[
        Flip("objects_linked_through_a_backref", scenario,
             "SQLAlchemy 1.4 has not yet shown its notice about deprecated API features in this process",
             "SQLAlchemy 1.4's warnings about 2.0 changes are turned on, as SQLALCHEMY_WARN_20 does")
        for scenario in ["Without SQLALCHEMY_WARN_20, 1.4 shows only its generic notice, which names nothing",
                         "With warnings as errors, 1.4's generic notice is raised by the linking itself"]
    ],
]  # fmt: skip

# Cascade scenarios stated before this catalogue, each still passing in the flipped copy.
CASCADE_UNFLIPPED = {
    ("deleting_a_parent", "Children with a nullable foreign key are kept, unlinked"),
    ("deleting_a_parent", "Children whose foreign key is NOT NULL make the commit fail"),
    ("deleting_a_parent", "An item removed from its cart is deleted"),
    ("deleting_a_parent", "Children not loaded: one DELETE, and the database removes the rest"),
    ("autoflush_before_queries", "Querying the mapped class"),
    ("autoflush_before_queries", "Before 2.1, a textual query does not see the pending user"),
    ("autoflush_before_queries", "Before 2.1, a Core query on the table does not see the pending user"),
    ("autoflush_before_queries", "Since 2.1, a textual query flushes and sees the pending user"),
    ("autoflush_before_queries", "Since 2.1, a Core query on the table flushes and sees the pending user"),
    (
        "objects_linked_through_a_backref",
        "Before 2.0, with the collection loaded first, the person joins the session too",
    ),
    ("objects_linked_through_a_backref", "SQLAlchemy 1.4 names the change when its warnings about 2.0 are turned on"),
    ("objects_linked_through_a_backref", "A 1.4 session made with future=True already behaves as 2.0 does"),
    ("objects_linked_through_a_backref", "Since 2.0, loading the collection first changes nothing"),
    ("objects_linked_through_a_backref", "Appending the person to the user's persons"),
    ("objects_linked_through_a_backref", "Adding the person to the session explicitly"),
    ("the_cascade_backrefs_switch", "Before 2.0, cascade_backrefs=True is accepted"),
    ("the_cascade_backrefs_switch", "Since 2.0, cascade_backrefs=True is refused"),
    ("the_cascade_backrefs_switch", "cascade_backrefs=False is accepted on every version"),
}


# Issue 16's chapters: the poisoned session, bulk statements against the identity map, close() against reset(),
# Flask-SQLAlchemy's db.session and what an application keeps past it.
BULK = "bulk_statements_and_the_identity_map"
POISONED = "a_failed_flush_poisons_the_session"
ENDINGS = "close_reset_and_autobegin"
UPDATE_EVERY_ROW = "An UPDATE through the session, by spelling and synchronize_session"
DELETE_EVERY_ROW = "A DELETE through the session, by spelling and synchronize_session"
LIKE, EQUALS = "whose email is like old%", "whose email is old@corp.example"
FLUSH_FAILED = "And the code under test's flush of a second employee 42 has failed"
NO_RESET_ONLY = "a request's session made with close_resets_only=False has read employee 42"
PLAIN_SESSION = "a request's session has read employee 42"
FLASK_SQLALCHEMY = "flask_sqlalchemy"
PLAIN_APP, ON_FLASK_SQLALCHEMY = (
    "the HR application is served over HTTP",
    "the HR application on Flask-SQLAlchemy is served over HTTP",
)
KEEPER_COMMITS = "the request that keeps an employee commits"
PUSHED, NOT_PUSHED = "inside one application context the test has pushed", "with no application context pushed"


def _every_row_flipped(scenario: str, runs: list[str], rows: list[tuple[str, str, str]]) -> list[Flip]:
    """Each (strategy, expected, flipped strategy) row of an outline, for each spelling, with its strategy swapped."""
    return [
        Flip(BULK, scenario, f"| {run} | {strategy} | {expected} |", f"| {run} | {flipped} | {expected} |")
        for run in runs
        for strategy, expected, flipped in rows
    ]


CHAPTER_FLIPS = [
    # bulk UPDATE and DELETE: each row's strategy swapped for one that synchronizes otherwise
    *_every_row_flipped(UPDATE_EVERY_ROW, ["update() through Session.execute()", "the legacy Query.update()"],
                        [(strategy, "new@corp.example", "False") for strategy in ["evaluate", "fetch", "left at its default"]]
                        + [("False", "old@corp.example", "evaluate")]),
    *[
        Flip(BULK, "A row that matches only in the database", f"| {strategy} | {shown} |", f"| {flipped} | {shown} |")
        for strategy, shown, flipped in [
            ("fetch", "new@corp.example", "evaluate"),
            ("evaluate", "other@corp.example", "fetch"),
            ("left at its default", "other@corp.example", "fetch"),
            ("False", "other@corp.example", "fetch"),
        ]
    ],
    Flip(BULK, "Since 2.0, synchronize_session auto evaluates in Python and updates the object",
         "synchronize_session auto", "synchronize_session False", describes=">=2.0"),
    Flip(BULK, "Before 2.0, synchronize_session auto does not exist",
         "synchronize_session auto", "synchronize_session fetch", describes="<2.0"),
    Flip(BULK, "Since 2.0, auto evaluates first, and so misses the row that matches only in the database",
         "synchronize_session auto", "synchronize_session fetch", describes=">=2.0"),
    Flip(BULK, "fetch gets the matched rows back from the UPDATE itself", "synchronize_session fetch", "synchronize_session evaluate"),
    Flip(BULK, "evaluate refuses a LIKE, on every version, before sending anything", LIKE, EQUALS),
    Flip(BULK, "Before 2.0, the default is evaluate, so a LIKE is refused", LIKE, EQUALS, describes="<2.0"),
    Flip(BULK, "Since 2.0, the default is auto, which falls back to fetch for a LIKE",
         "synchronize_session left at its default", "synchronize_session evaluate", describes=">=2.0"),
    *_every_row_flipped(DELETE_EVERY_ROW, ["delete() through Session.execute()", "the legacy Query.delete()"],
                        [(strategy, "no longer holds", "False") for strategy in ["evaluate", "fetch", "left at its default"]]
                        + [("False", "still holds", "evaluate")]),
    Flip(BULK, "A row deleted that matched only in the database", "| fetch | no longer holds |", "| evaluate | no longer holds |"),
    Flip(BULK, "A row deleted that matched only in the database", "| evaluate | still holds |", "| fetch | still holds |"),
    # the poisoned session: each fix taken away, each precondition put back
    Flip(POISONED, "Never removed, every later request on the thread fails with PendingRollbackError", NEVER, REMOVED),
    Flip(POISONED, "Removed at teardown, the request after the failure reads normally", REMOVED, NEVER),
    Flip(POISONED, "Rolled back when the request failed, the session goes on, even though it is never removed",
         "the application rolls back its session at the end of a request that failed",
         "the application lets go of the employees it has served"),
    Flip(POISONED, "Another thread has a session of its own, and is not poisoned",
         "When another server thread serves a request for employee 42", "When a later request on the same thread asks for employee 42"),
    Flip(POISONED, "Without a failed flush, the never-removed session serves the next request",
         "employee 42 has been served by a request", "a request that stored employee 42 a second time has failed with an IntegrityError"),
    Flip(POISONED, "The same thread reads again, without a rollback",
         "reads employee 42 through its scoped session", "rolls back, then reads employee 42"),
    Flip(POISONED, "The same thread ends its transaction, then reads", "| rolls back |", "| flushes |"),
    Flip(POISONED, "The same thread ends its transaction, then reads", "| closes its session |", "| flushes |"),
    Flip(POISONED, "A commit does not lift it", "commits, then reads employee 42", "rolls back, then reads employee 42"),
    Flip(POISONED, "Never removed, the read after the failed request fails with PendingRollbackError", NO_REMOVE, YES_REMOVE),
    Flip(POISONED, "Removed at teardown, the read after the failed request is answered", YES_REMOVE, NO_REMOVE),
    Flip(POISONED, "Under the recommended fixture, code that does not roll back is refused",
         FLUSH_FAILED, FLUSH_FAILED + "\n      And the code under test has rolled back"),
    Flip(POISONED, "Under the recommended fixture, code that rolls back goes on inside the test's transaction",
         "And the code under test has rolled back", "And employee 43 is stored with the email other@corp.example"),
    # close() against reset(), close_resets_only, autobegin
    Flip(ENDINGS, "After close(), the next read begins a new transaction and loads the row again", PLAIN_SESSION, NO_RESET_ONLY),
    Flip(ENDINGS, "Since 2.0.22, reset() does what close() does by default", PLAIN_SESSION, NO_RESET_ONLY, describes=">=2.0.22"),
    Flip(ENDINGS, "Since 2.0.22, reset() does what close() does by default",
         "the session is reset", "the session is closed", describes=">=2.0.22"),
    Flip(ENDINGS, "Before 2.0.22, a Session has no reset()", "the session is reset", "the session is closed", describes="<2.0.22"),
    Flip(ENDINGS, "close_resets_only=False: a closed session refuses the next read", NO_RESET_ONLY, PLAIN_SESSION,
         describes=">=2.0.22"),
    Flip(ENDINGS, "close_resets_only=False: a reset session reads again", "the session is reset", "the session is closed",
         describes=">=2.0.22"),
    Flip(ENDINGS, "Before 2.0.22, close_resets_only is refused",
         "made with close_resets_only=False", "made with autobegin=False", describes="<2.0.22"),
    Flip(ENDINGS, "autobegin=False: a read without begin() is refused, even one the identity map could answer",
         "a scoped session made with autobegin=False", "a scoped session", describes=">=2.0"),
    Flip(ENDINGS, "autobegin=False: with begin(), the read is fresh and the transaction ends with the block",
         "reads employee 42 inside session.begin()", "reads employee 42 through its scoped session", describes=">=2.0"),
    Flip(ENDINGS, "With autobegin (the default), the forgotten begin opens a transaction the session keeps",
         "Given a scoped session", "Given a scoped session made with autobegin=False"),
    Flip(ENDINGS, "Before 2.0, autobegin is refused", "made with autobegin=False", "made with close_resets_only=False",
         describes="<2.0"),
]  # fmt: skip
# chapter 2, the async request boundary: the removal, the held reference and the AsyncSession's options swapped
ASYNC_BOUNDARY = "the_async_request_boundary"
ASYNC_NEVER, ASYNC_REMOVED = "is never removed", "is removed at the end of each request"
EXPIRING, NOT_EXPIRING = "an AsyncSession has loaded", "an AsyncSession made with expire_on_commit=False has loaded"
READ_THE_ATTRIBUTE = "async code reads the employee's email as an attribute"
CHAPTER_FLIPS += [
    Flip(ASYNC_BOUNDARY, "One task serves request after request, its session never removed: the second read is stale",
         ASYNC_NEVER, ASYNC_REMOVED),
    Flip(ASYNC_BOUNDARY, "One task serves request after request, its session removed at the end of each: the read is fresh",
         ASYNC_REMOVED, ASYNC_NEVER),
    Flip(ASYNC_BOUNDARY, "One task, never removed, but nothing held: the identity map has let the employee go",
         ASYNC_NEVER, ASYNC_NEVER + "\n      And the async application holds on to the employees it has served"),
    Flip(ASYNC_BOUNDARY, "Each request on a task of its own, never removed: the read is fresh, and every task's session stays",
         ASYNC_NEVER, ASYNC_REMOVED),
    Flip(ASYNC_BOUNDARY, "Each request on a task of its own, removed at the end of each: the registry holds nothing",
         ASYNC_REMOVED, ASYNC_NEVER),
    Flip(ASYNC_BOUNDARY, "Never removed, every request leaves its session in the registry, its connection idle in transaction",
         NO_REMOVE, YES_REMOVE),
    Flip(ASYNC_BOUNDARY, "Removed at the end of each request, the registry holds nothing and no connection is left in a transaction",
         YES_REMOVE, NO_REMOVE),
    Flip(ASYNC_BOUNDARY, "On 1.4 with asyncpg, touching an attribute expired by the commit raises MissingGreenlet naming await_only(), and leaves a coroutine never awaited",
         EXPIRING, NOT_EXPIRING, describes="<2.0"),
    Flip(ASYNC_BOUNDARY, "On 2.0, touching an attribute expired by the commit raises MissingGreenlet naming await_only(), its coroutine closed",
         EXPIRING, NOT_EXPIRING, describes=">=2.0,<2.1"),
    Flip(ASYNC_BOUNDARY, "Since 2.1, touching an attribute expired by the commit raises MissingGreenlet naming await_()",
         EXPIRING, NOT_EXPIRING, describes=">=2.1"),
    Flip(ASYNC_BOUNDARY, "expire_on_commit=False keeps the attribute readable, and stale", NOT_EXPIRING, EXPIRING),
    Flip(ASYNC_BOUNDARY, "refresh() loads the row again, by awaiting",
         "async code refreshes the employee through the session, then reads its email", READ_THE_ATTRIBUTE),
    Flip(ASYNC_BOUNDARY, "Since 2.0.13, awaiting the expired attribute through awaitable_attrs loads it",
         "async code awaits the employee's email through awaitable_attrs", READ_THE_ATTRIBUTE, describes=">=2.0.13"),
    Flip(ASYNC_BOUNDARY, "Before 2.0.13, there is no AsyncAttrs",
         "a class of the employees table takes the AsyncAttrs mixin", "a session is made with close_resets_only=False",
         describes="<2.0.13"),
]  # fmt: skip
CHAPTER_FLIPS += [
    # Flask-SQLAlchemy: the incident's app and db.session swapped; each kept object's setting or place swapped
    Flip(FLASK_SQLALCHEMY, "The incident's scoped session, never removed: the read after an update is stale",
         PLAIN_APP, ON_FLASK_SQLALCHEMY),
    Flip(FLASK_SQLALCHEMY, "Flask-SQLAlchemy's db.session: the read after an update is fresh, the served employee still held",
         ON_FLASK_SQLALCHEMY, PLAIN_APP),
    Flip(FLASK_SQLALCHEMY, "Kept by a request that only read it, the detached object answers with the old email and no SQL",
         f"| {KEEPER_COMMITS} | no |", f"| {KEEPER_COMMITS} | yes |"),
    Flip(FLASK_SQLALCHEMY, "Kept by a request that committed, the expired detached object cannot be read",
         f"| {KEEPER_COMMITS} | yes |", f"| {KEEPER_COMMITS} | no |"),
    Flip(FLASK_SQLALCHEMY, "Kept by a request that committed with expire_on_commit off, the object is stale, not unreadable",
         "| db.session expires on commit | no |", "| db.session expires on commit | yes |"),
    Flip(FLASK_SQLALCHEMY, "Keeping the primary key, each request loads the employee through its own db.session",
         "in a module global, by its primary key", "in a module global"),
    Flip(FLASK_SQLALCHEMY, "An object kept in flask.g is gone at the next request, which loads the employee afresh",
         "in flask.g", "in a module global"),
    Flip(FLASK_SQLALCHEMY, "Inside a pushed application context, an object kept in flask.g reaches the next request",
         PUSHED, NOT_PUSHED),
    Flip(FLASK_SQLALCHEMY, "With no application context pushed, each request in process has a g of its own",
         NOT_PUSHED, PUSHED),
    Flip(FLASK_SQLALCHEMY, "Inside a pushed application context, db.session is not removed between requests, and the read is stale",
         PUSHED, NOT_PUSHED),
    Flip(FLASK_SQLALCHEMY, "With no application context pushed, db.session is removed after each request in process, and the read is fresh",
         NOT_PUSHED, PUSHED),
]  # fmt: skip
CHAPTER_UNFLIPPED: set = set()  # every scenario of these chapters has a flip

# Issue 16's chapters 4 and 5: the server ends an idle transaction; objects carried across requests.
SERVER = "the_server_ends_an_idle_transaction"
CARRIED = "objects_carried_across_requests"
TIMEOUT = "the database ends transactions left idle for more than 300 ms"
NO_TIMEOUT = "employee 43 is stored with the email other@corp.example"  # a Given that changes nothing here
RR_SESSION = "Given a scoped session at REPEATABLE READ"
ASYNC_SESSION = "Given an AsyncSession on asyncpg"
FAILED_ASYNC_READ = "a read of employee 42 through the AsyncSession has failed because the server ended the connection"
PRE_PING, POOL_DEFAULTS = "made with pool_pre_ping=True", "made with the pool's defaults"
NOTHING_REFERENCES, REMOVED_AT_END = (
    "nothing references employee 42 any more",
    "the earlier request's session was removed at its end",
)
CLOSED_CARRIED = "has loaded employee 42 and closed its session"
COMMITTED_CARRIED = "has loaded employee 42 and committed, expiring it"
RENAMED = "the application has renamed the carried employee to Ada Lovelace"
NEW_EMAIL = "another connection has committed the email new@corp.example for employee 42"
EXPUNGED = "And the request has expunged employee 42 from its session"
READ_BY_REQUEST = "Given a request's session has read employee 42"

CHAPTER_FLIPS += [
    # the server's timeout: put in where it is absent, taken out where it acts; each fix and precondition undone
    Flip(SERVER, "Without the timeout, the never-removed session reads its old snapshot", RR_SESSION,
         f"Given {TIMEOUT}\n      And a scoped session at REPEATABLE READ"),
    Flip(SERVER, "With the timeout, the server has ended the connection, and the read fails on psycopg2", TIMEOUT, NO_TIMEOUT),
    Flip(SERVER, "Every later read on the thread fails with PendingRollbackError",
         "reads employee 42 through its scoped session", "rolls back, then reads employee 42"),
    Flip(SERVER, "Rolled back after the failure, the session reads again, on a new connection",
         "rolls back, then reads employee 42", "reads employee 42 through its scoped session"),
    Flip(SERVER, "Removed at the end of the request, the session never idles in a transaction, and the read is fresh",
         REMOVED_AT_END, NOTHING_REFERENCES),
    Flip(SERVER, "An employee the application still references is answered from the identity map: no SQL, no error, stale",
         "the application still references employee 42", NOTHING_REFERENCES),
    Flip(SERVER, "Without the timeout, an AsyncSession that outlives its requests reads its old snapshot", ASYNC_SESSION,
         f"Given {TIMEOUT}\n      And an AsyncSession on asyncpg"),
    Flip(SERVER, "Before 2.1, the read through asyncpg fails with InterfaceError, naming asyncpg's class", TIMEOUT, NO_TIMEOUT,
         describes="<2.1"),
    Flip(SERVER, "Since 2.1, the read through asyncpg fails with InterfaceError, in asyncpg's words alone", TIMEOUT, NO_TIMEOUT,
         describes=">=2.1"),
    Flip(SERVER, "On asyncpg too, every later read fails with PendingRollbackError", FAILED_ASYNC_READ, NEW_EMAIL),
    Flip(SERVER, "Never removed, with the pool checking its connections, the read still fails", NOTHING_REFERENCES, REMOVED_AT_END),
    Flip(SERVER, "Removed, its connection went back to the pool; ended there, it is replaced by pool_pre_ping", PRE_PING, POOL_DEFAULTS),
    Flip(SERVER, "Without pool_pre_ping, the pooled connection the server ended is handed out, and the read fails",
         POOL_DEFAULTS, PRE_PING),
    Flip(SERVER, "Without the timeout, the never-removed session answers the read from its old snapshot",
         "Given the HR application", f"Given {TIMEOUT}\n      And the HR application"),
    Flip(SERVER, "With the timeout, the read after it fails with OperationalError", TIMEOUT, NO_TIMEOUT),
    Flip(SERVER, "Removed at teardown, the read after the timeout is fresh", YES_REMOVE, NO_REMOVE),
    Flip(SERVER, "Without the timeout, the shared AsyncSession answers the next request",
         "Given the HR application", f"Given {TIMEOUT}\n      And the HR application"),
    Flip(SERVER, "With the timeout, the shared AsyncSession's next request fails, and uvicorn logs asyncpg's InterfaceError",
         TIMEOUT, NO_TIMEOUT),
    Flip(SERVER, "A new AsyncSession for every request, the read after the timeout is answered",
         "| a new session for every request | yes |", "| a new session for every request | no |"),
    # objects carried across requests: another way of taking the object in, or the precondition undone
    Flip(CARRIED, "merge() sends a SELECT, and the merged employee shows the carried email, not the row's",
         "session merges the carried", "session adds the carried"),
    Flip(CARRIED, "Committed after merge(), the carried email is written back over the new one", CLOSED_CARRIED, COMMITTED_CARRIED),
    Flip(CARRIED, "A carried employee renamed after its request: merge() writes the new name and the stale email",
         "session merges the carried", "session adds the carried"),
    Flip(CARRIED, "Expired by its request's commit, the carried employee has nothing stale to copy", COMMITTED_CARRIED, CLOSED_CARRIED),
    Flip(CARRIED, "merge(load=False) sends nothing, shows the carried email, and the commit leaves the row alone",
         "merges, with load=False,", "merges"),
    Flip(CARRIED, "merge(load=False) refuses a carried employee that was changed after its request", RENAMED, NEW_EMAIL),
    Flip(CARRIED, "add() sends nothing, the employee keeps its stale email, and the commit writes nothing",
         "session adds the carried", "session merges the carried"),
    Flip(CARRIED, "add() of a carried employee renamed after its request writes the name only",
         "session adds the carried", "session merges the carried"),
    Flip(CARRIED, "Made transient and added, the employee is INSERTed, and the database refuses a second employee 42",
         "made transient, then commits", "made transient with the id 43, then commits"),
    Flip(CARRIED, "Made transient with a new id, the carried values are inserted as a new employee",
         "made transient with the id 43, then commits", "made transient, then commits"),
    Flip(CARRIED, "After expunge(), the same session reads employee 42 again, fresh", EXPUNGED, f"And {NO_TIMEOUT}"),
    Flip(CARRIED, "Without expunge(), the same session answers from its identity map, stale", READ_BY_REQUEST,
         f"{READ_BY_REQUEST}\n      {EXPUNGED}"),
    Flip(CARRIED, "An expunged employee renamed afterwards: the commit sends no UPDATE", EXPUNGED, f"And {NO_TIMEOUT}"),
    Flip(CARRIED, "Not expunged, the renamed employee is written at the commit", READ_BY_REQUEST,
         f"{READ_BY_REQUEST}\n      {EXPUNGED}"),
]  # fmt: skip


@pytest.mark.slow
def test_every_flipped_scenario_fails_and_every_other_passes(tmp_path, spec_server):
    assert_postgresql_flips_fail_and_others_pass(tmp_path, spec_server, AREA, FLIPS, UNFLIPPED)


@pytest.mark.slow
def test_every_flipped_chapter_scenario_fails_and_every_other_passes(tmp_path, spec_server):
    """Issue 16's chapters 1 to 7, all in the request-boundary area."""
    assert_postgresql_flips_fail_and_others_pass(tmp_path, spec_server, AREA, CHAPTER_FLIPS, UNFLIPPED)


@pytest.mark.slow
def test_every_flipped_cascade_scenario_fails_and_every_other_passes(tmp_path, spec_server):
    assert_postgresql_flips_fail_and_others_pass(tmp_path, spec_server, "cascades", CASCADE_FLIPS, CASCADE_UNFLIPPED)


def assert_postgresql_flips_fail_and_others_pass(
    tmp_path, spec_server, area: str, flips: list[Flip], unflipped: set
) -> None:
    """The shared runner on PostgreSQL, with every scenario of the area flipped or listed: those without a flip, the
    chapters' unflipped ones, and those whose flips describe other SQLAlchemy versions (there they must pass)."""
    applied = for_this_sqlalchemy(flips)
    every_flip = FLIPS + CASCADE_FLIPS + CHAPTER_FLIPS
    unflipped = unflipped | CHAPTER_UNFLIPPED | {(f.feature, f.scenario) for f in every_flip if f not in applied}
    assert_flipped_fail_and_others_pass(tmp_path, spec_server, area, flips, unflipped=unflipped)


# row_locks_a_tests_transaction_holds: PostgreSQL's words when another connection gives up waiting for a row lock
PG_LOCK_TIMEOUT = 'OperationalError (psycopg2.errors.LockNotAvailable): "canceling statement due to lock timeout"'
# Each savepoint verdict and its opposite: a scenario whose verdict is swapped must fail.
SWAPPED_VERDICTS = {
    "goes through at once": f"waits out its lock timeout and fails with {PG_LOCK_TIMEOUT}",
    f"waits out its lock timeout and fails with {PG_LOCK_TIMEOUT}": "goes through at once",
    "the database clean": "order 3 leaked",
    "order 3 leaked": "the database clean",
    "order 2 leaked": "the database clean",
    "orders 2 and 3 leaked": "the database clean",
    "order 2 in the state declined": "the database clean",
    "order 1 in the state ready": "the database clean",
    "missing: the commit was lost": "committed",
    "order 2 committed": "order 2 missing: the commit was lost",
    "the session was made": 'making the session is refused with ArgumentError: "invalid selection"',
    """making the session is refused with TypeError: "unexpected keyword argument 'join_transaction_mode'\"""": (
        "the session was made"
    ),
    'making the session is refused with ArgumentError: "invalid selection for join_transaction_mode: '
    '"create_savepoints""': "the session was made",
}
# Further claims of the savepoint scenarios, each swapped on its own: every scenario that makes one must fail.
SWAPPED_CLAIMS = {
    "exactly the named orders leaked": {
        "order 2 leaked": "orders 2 and 3 leaked",
        "order 3 leaked": "orders 2 and 3 leaked",
        "orders 2 and 3 leaked": "order 2 leaked",
    },
    "the outer rollback's warning": {
        'the test\'s outer rollback was warned "transaction already deassociated from connection"': (
            "the test's outer rollback issued no SQLAlchemy warning"
        ),
        "the test's outer rollback issued no SQLAlchemy warning": (
            'the test\'s outer rollback was warned "transaction already deassociated from connection"'
        ),
    },
    "the session still in its transaction": {
        "the code under test's session is still in a transaction": (
            "the code under test's session is not still in a transaction"
        ),
        "the code under test's session is not still in a transaction": (
            "the code under test's session is still in a transaction"
        ),
    },
    "the FOR UPDATE of the locking read": {
        "SELECT ends with FOR UPDATE": "SELECT does not end with FOR UPDATE",
        "SELECT does not end with FOR UPDATE": "SELECT ends with FOR UPDATE",
    },
    "no SQLAlchemy warning during the When": {
        "the commit issued no SQLAlchemy warning": 'SQLAlchemy warned "transaction"',
    },
}


# An Examples cell that is a verdict on its own ("| committed |" in a fate column), swapped in the same pass
CELL_SWAPS = {
    "committed": "missing: the commit was lost",
    # the_tests_event_loop: a child test's outcome
    "passed": "failed",
    "failed": "passed",
    "error at setup": "passed",
}


def swap_in_savepoint_features(
    features: Path, swaps: dict[str, str], cells: dict[str, str] | None = None
) -> tuple[set[str], set[str]]:
    """Apply every swap in one pass (the longest text first; whole Examples cells for ``cells``) to the copy's
    savepoint features; the new texts, and the features changed. Fails if none of them is found."""
    cells = cells or {}
    cell = rf"(?P<cell>\| (?P<value>{'|'.join(map(re.escape, cells)) or '(?!)'}) +\|)"
    pattern = re.compile("|".join([cell, *(re.escape(text) for text in sorted(swaps, key=len, reverse=True))]))
    found = 0

    def swapped(match: re.Match) -> str:
        nonlocal found
        found += 1
        return f"| {cells[match['value']]} |" if match["cell"] else swaps[match[0]]

    changed = set()
    for path in (features / "savepoint_rollback").glob("*.feature"):
        before = found
        path.write_text(pattern.sub(swapped, path.read_text()))
        if found > before:
            changed.add(path.stem)
    assert found, f"none of {sorted(swaps)} is in the savepoint features: update the swaps"
    return set(swaps.values()) | set(cells.values()), changed


def survivors_among(results: list[dict], swapped_in: set[str] | None = None) -> tuple[list[dict], list[str]]:
    """The scenarios that ran (those with a swapped-in step only, when given) and those of them that passed."""
    ran = [
        s
        for s in results
        if s["status"] not in ("not_applicable", "skipped")
        and (swapped_in is None or any(text in step["text"] for step in s["steps"] for text in swapped_in))
    ]
    # a swapped verdict no step defines is refused before it runs ("has no step definition"): it does not pass either
    survivors = [
        f"{s['scenario']['name']} {s.get('example') or ''}"
        for s in ran
        if s["status"] not in ("failed", "collection_error")
    ]
    return ran, survivors


@pytest.mark.slow
def test_every_savepoint_scenario_fails_when_its_verdict_is_swapped(tmp_path, spec_server):
    features = tmp_path / "features"
    shutil.copytree(ROOT / "features", features)
    swap_in_savepoint_features(features, SWAPPED_VERDICTS, CELL_SWAPS)
    # the whole area: a scenario of a feature with no verdict swapped passes, and is named
    ran, survivors = survivors_among(run_area_copy(features, "savepoint_rollback", spec_server))
    assert ran, "no savepoint scenario ran"
    assert not survivors, "these scenarios still pass with their verdict swapped: " + "; ".join(survivors)


@pytest.mark.slow
@pytest.mark.parametrize("claim", SWAPPED_CLAIMS)
def test_every_savepoint_scenario_fails_when_one_of_its_claims_is_swapped(tmp_path, spec_server, claim):
    features = tmp_path / "features"
    shutil.copytree(ROOT / "features", features)
    swapped_in, changed = swap_in_savepoint_features(features, SWAPPED_CLAIMS[claim])
    # only the features the swap changed: the others have no scenario with a swapped-in step to judge
    results = run_area_copy(features, "savepoint_rollback", spec_server, only=changed)
    ran, survivors = survivors_among(results, swapped_in)
    if not ran:  # the claim is made, but by scenarios of other lines only (the swap found it: see above)
        pytest.skip(f"on SQLAlchemy {sqlalchemy.__version__} no savepoint scenario makes the claim: {claim}")
    assert not survivors, f"these scenarios still pass with {claim} swapped: " + "; ".join(survivors)
