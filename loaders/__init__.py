"""Sources -> records. Pure: bytes in, frozen records out; never imports graphapi."""

__all__: list[str] = []
