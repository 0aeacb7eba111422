"""Graph stores behind the `GraphStore` seam."""

from graphapi.store.base import GraphStore
from graphapi.store.networkx_store import NetworkXStore

__all__ = ["GraphStore", "NetworkXStore"]
