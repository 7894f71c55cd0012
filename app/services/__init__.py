"""Use cases. Importing this package registers each kind's facts, snapshots and effects."""
from app.services import campaigns, decisions, dossiers, plans  # noqa: F401
