"""`warehouse docs`: a static data dictionary of a spec (tables, sources, the star's diagram, column lineage)."""

from warehouse.docs.site import build

__all__ = ["build"]
