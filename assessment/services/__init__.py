"""One function per thing a person does, called by the pages and the command line alike.

Each takes who is acting, checks they may, validates, works inside the caller's transaction and
leaves an audit entry, so a rule written here holds whichever door the request came through.
"""
