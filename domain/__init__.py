"""The rules of a co-production group, as event-sourced aggregates and one application service.

Nothing here knows about HTTP, SQL or serialisation schemas: it can be read as the group's rules.
"""
