"""Every route module of the JSON API: importing one adds its routes to `bp`."""

from scoreboard.api import (
    backups,
    bp,
    devices,
    display,
    errors,
    fairplay,
    matches,
    open_data,
    openapi,
    registration,
    replication,
    schedule,
    scores,
    views,
)

ROUTE_MODULES = (backups, devices, display, errors, fairplay, matches, open_data, openapi,
                 registration, replication, schedule, scores, views)

__all__ = ["ROUTE_MODULES", "bp"]
