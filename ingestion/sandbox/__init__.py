"""Offline Spotify Web API sandbox: a local server over a deterministic, evolving catalogue.

See docs/interfaces.md, section 1, for the contract the rest of the pipeline relies on.
"""

from ingestion.sandbox.catalogue import ROSTER, Catalogue
from ingestion.sandbox.faults import Fault, FaultPlan
from ingestion.sandbox.server import SandboxServer

__all__ = ["ROSTER", "Catalogue", "Fault", "FaultPlan", "SandboxServer"]
