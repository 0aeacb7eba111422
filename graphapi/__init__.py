"""Linux-kernel mailing-list traffic as a knowledge graph, served over GraphQL."""

__all__: list[str] = []
